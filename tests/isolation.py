"""How to make an object that belongs to another tenant, for each URL parameter the portal and
API use. A new route with a new parameter must add a maker here, or the isolation test fails."""

from apps.accounts import services as key_services

OBJECT_MAKERS = {
    "key_id": lambda other_tenant: key_services.issue_tenant_key(other_tenant, name="theirs")[0].pk,
}


def register(param, maker):
    OBJECT_MAKERS[param] = maker


def _other_tenants_ticket(other_tenant):
    from apps.tickets.services import create_ticket

    return create_ticket(other_tenant, subject="Their ticket", body="Theirs", requester_name="Their contact").pk


register("ticket_id", _other_tenants_ticket)


def _other_tenants_outbound_message(other_tenant):
    from apps.integrations import services as integration_services
    from apps.outbound.services import create_message

    integration_services.create_connection(other_tenant, "telegram", values={"bot_token": "theirs"})
    return create_message(other_tenant, channel="telegram", to="424242", body="Their message").pk


def _other_tenants_contact_policy(other_tenant):
    from apps.outbound.services import contact_policy

    return contact_policy(other_tenant, "telegram", "434343").pk


def _other_tenants_bot_model(other_tenant):
    from apps.integrations.models import Bot

    Bot.objects.create(tenant=other_tenant, name="Theirs", mode=Bot.Mode.AI, model="their-vendor/their-model")
    return "their-vendor/their-model"


register("model", _other_tenants_bot_model)
register("message_id", _other_tenants_outbound_message)
register("policy_id", _other_tenants_contact_policy)


def _other_tenants_ai_request(other_tenant):
    from tests.ai.factories import AIRequestFactory

    return AIRequestFactory(tenant=other_tenant, contact_id="their-contact").pk


register("request_id", _other_tenants_ai_request)


def _other_tenants_waha_connection(other_tenant):
    from apps.integrations import services as integration_services

    values = {"base_url": "http://127.0.0.1:9", "session": "theirs", "api_key": "theirs"}
    return str(integration_services.create_connection(other_tenant, "waha", values=values).pk)


register("connection_id", _other_tenants_waha_connection)


def _other_tenants_heartbeat(other_tenant):
    from apps.health.models import HeartbeatCheck

    return HeartbeatCheck.objects.create(tenant=other_tenant, name="Their nightly export").pk


register("check_id", _other_tenants_heartbeat)


def _other_tenants_project_source(other_tenant):
    from tests.knowledge.factories import SourceFactory

    return SourceFactory(tenant=other_tenant).pk


register("source_id", _other_tenants_project_source)


def _other_tenants_ai_draft(other_tenant):
    from django.utils import timezone

    from apps.drafts.models import AIDraft
    from tests.knowledge.factories import SourceFactory

    source = SourceFactory(tenant=other_tenant)
    return AIDraft.objects.create(
        tenant=other_tenant,
        project=source.project,
        source=source,
        conversation_id=1,
        message_id=1,
        message_at=timezone.now(),
        status=AIDraft.Status.PROPOSED,
        text="Their draft.",
    ).pk


register("draft_id", _other_tenants_ai_draft)


# The role rule of every portal and API route, by method: which action of apps/tenants/roles.py a
# tenant caller needs (TENANT_RULES), and which Django permission a staff caller needs — the one
# the admin checks for the same action (STAFF_RULES). A route in neither fails
# tests/test_roles_tenant.py and tests/test_roles_staff.py; a route in STAFF_RULES only is
# operator-only. The tests check every role against these, on the portal and the API alike.
def both(action):
    return {"GET": action, "POST": action}


TENANT_RULES = {
    "dashboard/": both("tenant.view"),
    "dashboard/switch/": {"POST": "tenant.switch"},
    "dashboard/api-keys/": both("api_keys.manage"),
    "dashboard/api-keys/<int:key_id>/revoke/": {"POST": "api_keys.manage"},
    "dashboard/errors/": {"GET": "errors.view"},
    "dashboard/tickets/": {"GET": "tickets.view"},
    "dashboard/tickets/new/": both("tickets.write"),
    "dashboard/tickets/<int:ticket_id>/": {"GET": "tickets.view"},
    "dashboard/tickets/<int:ticket_id>/reply/": {"POST": "tickets.write"},
    "dashboard/tickets/<int:ticket_id>/solve/": {"POST": "tickets.write"},
    "dashboard/outbound/": {"GET": "outbound.view"},
    "dashboard/outbound/new/": both("outbound.draft"),
    "dashboard/outbound/<int:message_id>/": {"GET": "outbound.view"},
    "dashboard/outbound/<int:message_id>/approve/": {"POST": "outbound.send"},
    "dashboard/outbound/<int:message_id>/cancel/": {"POST": "outbound.send"},
    "dashboard/outbound/<int:message_id>/retry/": {"POST": "outbound.send"},
    "dashboard/outbound/contacts/": {"GET": "outbound.view"},
    "dashboard/outbound/contacts/<int:policy_id>/": {"GET": "outbound.view"},
    "dashboard/outbound/contacts/<int:policy_id>/settings/": {"POST": "contacts.manage"},
    "dashboard/outbound/contacts/<int:policy_id>/opt-out/": {"POST": "contacts.manage"},
    "dashboard/outbound/contacts/<int:policy_id>/opt-in/": both("contacts.manage"),
    "dashboard/ai/": {"GET": "ai.view"},
    "dashboard/ai/<int:request_id>/": {"GET": "ai.view"},
    "dashboard/search/": {"GET": "knowledge.view"},
    "dashboard/projects/": both("knowledge.view"),
    "dashboard/drafts/sources/<int:source_id>/": both("drafts.manage"),
    "dashboard/drafts/sources/<int:source_id>/support-loop/": both("drafts.manage"),
    "dashboard/drafts/": {"GET": "drafts.view"},
    "dashboard/drafts/metrics/": {"GET": "drafts.view"},
    "dashboard/drafts/<int:draft_id>/": {"GET": "drafts.view"},
    "dashboard/drafts/<int:draft_id>/approve/": {"POST": "drafts.decide"},
    "dashboard/drafts/<int:draft_id>/reject/": {"POST": "drafts.decide"},
    "dashboard/whatsapp/": {"GET": "whatsapp.manage"},
    "dashboard/whatsapp/<connection_id>/": {"GET": "whatsapp.manage"},
    "dashboard/whatsapp/<connection_id>/qr.png": {"GET": "whatsapp.manage"},
    "dashboard/whatsapp/<connection_id>/restart/": {"POST": "whatsapp.manage"},
    "dashboard/whatsapp/<connection_id>/pairing-code/": {"POST": "whatsapp.manage"},
    "dashboard/notices/": {"GET": "tenant.view"},
    "dashboard/heartbeats/": {"GET": "heartbeats.view"},
    "dashboard/manual-mode/": {"GET": "tenant.view"},
    "dashboard/manual-mode/texts/": {"POST": "fallback.manage"},
    "dashboard/heartbeats/add/": {"POST": "heartbeats.manage"},
    "dashboard/heartbeats/<int:check_id>/": both("heartbeats.manage"),
    "dashboard/heartbeats/<int:check_id>/delete/": {"POST": "heartbeats.manage"},
    "api/v1/tenant/": {"GET": "tenant.view"},
    "api/v1/search/": {"GET": "knowledge.view"},
    "api/v1/events/": {"GET": "errors.view", "POST": "events.report"},
    "api/v1/tickets/": {"GET": "tickets.view", "POST": "tickets.write"},
    "api/v1/tickets/<int:ticket_id>/": {"GET": "tickets.view"},
    "api/v1/tickets/<int:ticket_id>/reply/": {"POST": "tickets.write"},
    "api/v1/outbound/": {"GET": "outbound.view", "POST": "outbound.draft"},
    "api/v1/outbound/process/": {"POST": "outbound.send"},
    "api/v1/outbound/<int:message_id>/": {"GET": "outbound.view"},
    "api/v1/outbound/<int:message_id>/approve/": {"POST": "outbound.send"},
    "api/v1/outbound/<int:message_id>/cancel/": {"POST": "outbound.send"},
    "api/v1/outbound/<int:message_id>/retry/": {"POST": "outbound.send"},
    "api/v1/ai/chat/completions": {"POST": "ai.complete"},
    "api/v1/ai/models": {"GET": "ai.complete"},
    "api/v1/ai/models/<path:model>": {"GET": "ai.complete"},
}
# Routes that answer 404 to everyone, whatever the method or key (no role to declare): the AI API's
# unknown paths, in OpenAI's error shape (tests/ai/test_api_models.py).
NOT_FOUND_ROUTES = {"api/v1/ai/", "api/v1/ai/<path:rest>"}

INCIDENT_CHANGE = {"POST": "incidents.change_incident"}
SWITCHES = [  # a mitigation needs the incident's permission and the switch's, by the body's action
    ({"action": "global_whatsapp_off", "reason": "r"}, (INCIDENT_CHANGE["POST"], "tenants.change_systemsettings")),
    (
        {"action": "tenant_suspend", "tenant": "alpha", "reason": "r"},
        (INCIDENT_CHANGE["POST"], "tenants.change_tenant"),
    ),
]

STAFF_RULES = {
    "api/v1/events/": {"GET": "events.view_systemevent", "POST": "events.add_systemevent"},
    "api/v1/tickets/": {"GET": "tickets.view_ticket", "POST": "tickets.add_ticket"},
    "api/v1/tickets/<int:ticket_id>/": {"GET": "tickets.view_ticket"},
    "api/v1/tickets/<int:ticket_id>/reply/": {"POST": "tickets.change_ticket"},
    "api/v1/inbound-events/": {"GET": "integrations.view_inboundevent"},
    "api/v1/inbound-events/replay/": {"POST": "integrations.change_inboundevent"},
    "api/v1/inbound-events/<int:pk>/": {"GET": "integrations.view_inboundevent"},
    "api/v1/inbound-events/<int:pk>/replay/": {"POST": "integrations.change_inboundevent"},
    "api/v1/jobs/status": {"GET": "jobs.view_workerrun"},
    "api/v1/jobs/scheduler": {"GET": "jobs.view_workerrun"},
    "api/v1/jobs/scheduler/tick": {"POST": "jobs.change_workerrun"},
    "api/v1/jobs/chatwoot/sync": {"POST": "jobs.change_workerrun"},
    "api/v1/jobs/embeddings/run": {"POST": "jobs.change_workerrun"},
    "api/v1/incidents/": {"GET": "incidents.view_incident", "POST": "incidents.add_incident"},
    "api/v1/incidents/<int:incident_id>/": {"GET": "incidents.view_incident"},
    "api/v1/incidents/<int:incident_id>/status/": INCIDENT_CHANGE,
    "api/v1/incidents/<int:incident_id>/acknowledge/": INCIDENT_CHANGE,
    "api/v1/incidents/<int:incident_id>/owner/": INCIDENT_CHANGE,
    "api/v1/incidents/<int:incident_id>/severity/": INCIDENT_CHANGE,
    "api/v1/incidents/<int:incident_id>/notes/": INCIDENT_CHANGE,
    "api/v1/incidents/<int:incident_id>/checks/": INCIDENT_CHANGE,
    "api/v1/incidents/<int:incident_id>/postmortem/": {"PUT": "incidents.change_incident"},
    "api/v1/incidents/<int:incident_id>/follow-ups/": INCIDENT_CHANGE,
    "api/v1/incidents/<int:incident_id>/mitigations/": {"POST": SWITCHES},
}


def staff_cases(rule) -> list:
    """[(body, permissions)] for one method's staff rule."""
    return rule if isinstance(rule, list) else [({}, (rule,))]
