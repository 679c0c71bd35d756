"""Demo on-call roster, emergency contacts and a curated handful of incidents, one in each state an
on-call engineer meets: one open (a tenant's, sev4, being mitigated), two resolved (one whose
postmortem is overdue), one closed with its postmortem and follow-ups, and a sev2 Chatwoot outage
resolved 20 minutes ago whose post-outage checklist is still open. They are seeded, with
their history in the past; nothing in the demo opens more on its own (the demo providers answer
healthily), and none escalates while you watch. Only creates what is missing (recognised by title)."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.incidents import services
from apps.incidents.models import EmergencyContact, Incident, Level, OnCallEntry, Role, Status
from apps.tenants.models import Tenant

# (level, role the escalation rules call, name, username, email, phone)
ROSTER = [
    (Level.ON_CALL, "", "Agent on call", "agent", "oncall@opsdesk.local", "+49 30 1234 001"),
    (Level.TEAM_LEAD, Role.SUPPORT_LEAD, "Support team lead", None, "lead@opsdesk.local", "+49 30 1234 002"),
    (Level.TEAM_LEAD, Role.ENGINEERING_MANAGER, "Engineering manager", None, "eng@opsdesk.local", "+49 30 1234 004"),
    (
        Level.INFRASTRUCTURE,
        Role.INFRASTRUCTURE,
        "CTO / infrastructure",
        "admin",
        "cto@opsdesk.local",
        "+49 30 1234 003",
    ),
    (Level.INFRASTRUCTURE, Role.CEO, "CEO", None, "ceo@opsdesk.local", "+49 30 1234 005"),
]
CONTACTS = [
    ("CTO", "Dana Brandt", "cto@opsdesk.local", "+49 30 1234 003", "Any sev1 past 30 minutes."),
    (
        "Database provider support",
        "Managed PostgreSQL desk",
        "support@db.example",
        "",
        "Open a priority ticket; have the instance id and the slow-query log ready.",
    ),
    (
        "Meta partner manager",
        "WhatsApp Business partner desk",
        "partners@meta.example",
        "",
        "Bans and token problems that affect many numbers.",
    ),
]
OPEN_TITLE = "Coral Clinic at its monthly message limit"
TOKEN_TITLE = "Meta token expired for Acme Hotels"
OVERDUE_TITLE = "n8n booking flows timing out"
CLOSED_TITLE = "Redis restart stopped WhatsApp processing"
CHATWOOT_TITLE = "Chatwoot unreachable for Acme Hotels"


def seed(out):
    User = get_user_model()
    users = {user.username: user for user in User.objects.filter(username__in=["agent", "admin"])}
    roster = sum(_roster_entry(users, *row) for row in ROSTER)
    contacts = sum(_contact(position, *row) for position, row in enumerate(CONTACTS))
    agent = users.get("agent")
    made = [_open(agent), _token(agent), _overdue(agent), _closed(agent), _chatwoot_outage(agent)] if agent else []
    out.write(f"incidents: {sum(made)} demo incidents, {roster} roster entries, {contacts} emergency contacts")
    return []


def _roster_entry(users, level, role, name, username, email, phone):
    _, created = OnCallEntry.objects.get_or_create(
        level=level,
        name=name,
        defaults={
            "role": role,
            "user": users.get(username),
            "email": email,
            "phone": phone,
            "starts_at": timezone.now() - timedelta(days=30),
        },
    )
    return created


def _contact(position, role, name, email, phone, notes):
    _, created = EmergencyContact.objects.get_or_create(
        role=role, defaults={"name": name, "email": email, "phone": phone, "notes": notes, "position": position}
    )
    return created


def _tenants(*slugs):
    return list(Tenant.objects.filter(slug__in=slugs))


def _open(agent):
    if Incident.objects.filter(title=OPEN_TITLE).exists():
        return False
    began = timezone.now() - timedelta(minutes=50)
    incident = services.create_incident(
        actor=agent,
        title=OPEN_TITLE,
        severity="sev4",
        codes=["MESSAGE_LIMIT_EXCEEDED"],
        tenants=_tenants("coral-clinic"),
        now=began,
        impact="Coral Clinic's reminders are refused until the limit is raised.",
    )
    services.change_status(incident, Status.TRIAGED, actor=agent, now=began + timedelta(minutes=3))
    services.add_note(
        incident,
        "Free plan, 1,000 messages a month, used up on the 3rd by appointment reminders.",
        actor=agent,
        now=began + timedelta(minutes=6),
    )
    services.change_status(
        incident,
        Status.MITIGATING,
        actor=agent,
        now=began + timedelta(minutes=12),
        note="Offered the Starter plan; waiting for the clinic's answer.",
    )
    return True


def _token(agent):
    if Incident.objects.filter(title=TOKEN_TITLE).exists():
        return False
    began = timezone.now() - timedelta(hours=5)
    incident = services.create_incident(
        actor=agent,
        title=TOKEN_TITLE,
        severity="sev3",
        codes=["META_TOKEN_EXPIRED"],
        tenants=_tenants("acme-hotels"),
        now=began,
        impact="Acme's WhatsApp confirmations were not sent for 40 minutes.",
    )
    services.change_status(
        incident,
        Status.MITIGATING,
        actor=agent,
        now=began + timedelta(minutes=8),
        note="Meta answers 190 for Acme's number; asked Acme for a new system-user token.",
    )
    services.change_status(
        incident,
        Status.RESOLVED,
        actor=agent,
        now=began + timedelta(minutes=40),
        note="Token replaced; sending resumed and the held messages went out.",
    )
    return True


def _overdue(agent):
    if Incident.objects.filter(title=OVERDUE_TITLE).exists():
        return False
    began = timezone.now() - timedelta(hours=30)
    incident = services.create_incident(
        actor=agent,
        title=OVERDUE_TITLE,
        severity="sev2",
        codes=["N8N_TIMEOUT", "N8N_TRIGGER_FAIL"],
        tenants=_tenants("bella-bistro", "acme-hotels"),
        now=began,
        impact="Booking confirmations delayed for two tenants.",
    )
    services.change_status(incident, Status.TRIAGED, actor=agent, now=began + timedelta(minutes=4))
    services.add_note(
        incident,
        "n8n answers 502 from its load balancer; their status page is green.",
        actor=agent,
        now=began + timedelta(minutes=9),
    )
    services.change_status(
        incident, Status.RESOLVED, actor=agent, note="n8n restarted their workers.", now=began + timedelta(minutes=75)
    )
    return True


def _closed(agent):
    if Incident.objects.filter(title=CLOSED_TITLE).exists():
        return False
    began = timezone.now() - timedelta(days=6)
    incident = services.create_incident(
        actor=agent, title=CLOSED_TITLE, severity="sev1", codes=["WHATSAPP_DISABLED_GLOBAL"], tenants=[], now=began
    )
    incident = services.change_status(
        incident,
        Status.MITIGATING,
        actor=agent,
        note="Global WhatsApp off to stop the backlog.",
        now=began + timedelta(minutes=6),
    )
    incident = services.change_status(incident, Status.RESOLVED, actor=agent, now=began + timedelta(minutes=41))
    services.write_postmortem(
        incident,
        actor=agent,
        now=began + timedelta(hours=20),
        root_cause="Redis ran out of memory after a config change removed the eviction policy.",
        resolution_steps="Switched WhatsApp off globally, restarted Redis with the policy restored, let the "
        "queues drain, switched WhatsApp back on.",
        preventive_actions="Alert on Redis memory above 80 %; review broker config changes in pairs.",
    )
    services.add_follow_up(
        incident,
        actor=agent,
        title="Add a Redis memory alert rule",
        assignee=agent,
        due_on=(began + timedelta(days=7)).date(),
    )
    services.change_status(incident, Status.CLOSED, actor=agent, now=began + timedelta(hours=21))
    return True


def _chatwoot_outage(agent):
    """A sev2 Chatwoot outage resolved 20 minutes ago (over its restore checklist, with the reason on
    the timeline): its post-outage checklist is still open; the beat job fills in the automatic items."""
    if Incident.objects.filter(title=CHATWOOT_TITLE).exists():
        return False
    from apps.incidents.services import checklists
    from apps.incidents.services.detection import open_or_join

    began = timezone.now() - timedelta(minutes=40)
    incident, _ = open_or_join(
        "demo:chatwoot-down",
        title=CHATWOOT_TITLE,
        codes=["HEALTH_CHECK_FAILED"],
        tenant_ids=[tenant.pk for tenant in _tenants("acme-hotels")],
        severity="sev2",
        detection_method="health_monitor",
        runbook="chatwoot-down",
        now=began,
    )
    services.change_status(incident, Status.MITIGATING, actor=agent, now=began + timedelta(minutes=4))
    told = next(row for row in checklists.states(incident) if row.item.check_name == "team_notified")
    note = "Posted in the support channel; e-mail fallback announced"
    checklists.tick(told, actor=agent, note=note, now=began + timedelta(minutes=5))
    services.change_status(
        incident,
        Status.RESOLVED,
        actor=agent,
        now=began + timedelta(minutes=20),
        note="Chatwoot's Redis restarted; conversations load again.",
        override_reason="Checked by hand in Chatwoot: health 200, API and webhooks work (demo data has no probe).",
    )
    return True
