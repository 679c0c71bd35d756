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


register("message_id", _other_tenants_outbound_message)
register("policy_id", _other_tenants_contact_policy)
