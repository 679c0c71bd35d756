"""What each tenant role may do: the one table the portal views (`portal.role_required`) and the
tenant API (`api.tenant_may`) both read. Every portal and API route names one action per method.

- owner and admin run the account: everything below, including sending (approve, cancel, retry,
  dispatch), contact policies (opt-out, opt-in, caps) and API keys. They differ only outside the
  portal: the owner is who Opsdesk asks about the account.
- agent does the day-to-day work: reads everything, opens and answers tickets, writes outbound
  drafts (an owner or admin sends them) and reports events.
- viewer reads everything the tenant sees and changes nothing.
- api_key is a tenant API key, not a person. An owner or admin issues it for an integration, so
  it may do what the API offers an integration, sending included; it never manages keys or
  contact opt-ins (a person confirms those in the portal).

Staff (operators) are not tenant roles: their groups and Django permissions live in
apps/tenants/groups.py, and the admin, the operator API and the incident console check the same
permission for the same action (the kill switches' permissions are below)."""

from apps.tenants.models import Membership

OWNER, ADMIN, AGENT, VIEWER = (
    Membership.Role.OWNER,
    Membership.Role.ADMIN,
    Membership.Role.AGENT,
    Membership.Role.VIEWER,
)
API_KEY = "api_key"
MEMBERS = frozenset({OWNER, ADMIN, AGENT, VIEWER})
WORKERS = frozenset({OWNER, ADMIN, AGENT})
MANAGERS = frozenset({OWNER, ADMIN})

ACTIONS = {
    "tenant.view": MEMBERS | {API_KEY},  # overview, plan, switches, usage
    "tenant.switch": MEMBERS,  # pick which of one's tenants the portal shows
    "errors.view": MEMBERS | {API_KEY},  # the errors page, GET /api/v1/events/
    "events.report": WORKERS | {API_KEY},  # POST /api/v1/events/
    "tickets.view": MEMBERS | {API_KEY},
    "tickets.write": WORKERS | {API_KEY},  # open, reply, mark solved
    "outbound.view": MEMBERS | {API_KEY},
    "outbound.draft": WORKERS | {API_KEY},
    "outbound.send": MANAGERS | {API_KEY},  # approve, cancel, retry, dispatch what is due
    "contacts.manage": MANAGERS,  # caps, stop-on-reply, opt-out, opt-in
    "ai.view": MEMBERS | {API_KEY},  # AI usage against limits, the tenant's AI requests
    "api_keys.manage": MANAGERS,
    "knowledge.view": MEMBERS | {API_KEY},  # search a project, list projects and pick the active one
    "knowledge.sources": MANAGERS,  # see which Chatwoot connections and inboxes a project reads
    "drafts.view": MEMBERS,  # the AI drafts list and a draft's page (its trail) in the tickets console
    "drafts.decide": WORKERS,  # approve & publish (or edit) and reject a draft
    "drafts.manage": MANAGERS,  # turn AI drafts on or off for a project source, and their settings
    "ai.complete": WORKERS | {API_KEY},  # POST /api/v1/ai/chat/completions (spends the AI limits)
    "whatsapp.manage": MANAGERS,  # the WhatsApp (WAHA) session: status, QR code, restart, pairing code
    "heartbeats.view": MEMBERS,  # the tenant's heartbeat checks, their state and ping URLs
    "heartbeats.manage": MANAGERS,  # add, change and delete heartbeat checks
    "fallback.manage": MANAGERS,  # the manual-mode notice text and the fallback e-mail address
}

LABELS = {OWNER: "an owner", ADMIN: "an admin", AGENT: "an agent", VIEWER: "a viewer", API_KEY: "an API key"}

TENANT_SWITCH_PERMISSION = "tenants.change_tenant"
GLOBAL_SWITCH_PERMISSION = "tenants.change_systemsettings"


def allows(role, action) -> bool:
    return role in ACTIONS[action]


def actions_of(role) -> frozenset:
    return frozenset(action for action, roles in ACTIONS.items() if role in roles)


def known(action) -> str:
    """The action itself; a name missing from the table fails where the route is declared."""
    if action not in ACTIONS:
        raise KeyError(f"{action!r} is not in apps/tenants/roles.py ACTIONS")
    return action


def who_may(action, *, keys=False) -> str:
    """'an owner or an admin': who the portal's 403 page (and, with keys, the API's) names."""
    order = (OWNER, ADMIN, AGENT, VIEWER, API_KEY) if keys else (OWNER, ADMIN, AGENT, VIEWER)
    return " or ".join(LABELS[role] for role in order if role in ACTIONS[action])
