"""Tenant roles, decided once (apps/tenants/roles.py) and read by the portal and the API alike.
Every tenant route (tests/isolation.py TENANT_RULES) is walked with each role's session and a
tenant API key: 403 exactly when the table refuses the route's action, and a portal page and its
API twin (same path after /dashboard/ and /api/v1/) follow the same rule."""

import re

import pytest
from django.test import Client

from apps.outbound.models import OutboundMessage
from apps.tenants import roles
from tests.factories import MembershipFactory
from tests.isolation import OBJECT_MAKERS, TENANT_RULES
from tests.test_tenant_isolation import all_routes

pytestmark = pytest.mark.django_db
ROLES = ("owner", "admin", "agent", "viewer")


def path_of(route):
    """An id no row has: a role that may act gets 404, one that may not gets 403 first."""
    return "/" + re.sub(r"<(?:\w+:)?\w+>", "999999", route)


def member_client(tenant, role):
    client = Client()
    client.force_login(MembershipFactory(tenant=tenant, role=role).user)
    return client


@pytest.fixture
def callers(tenant, tenant_api):
    return {**{role: member_client(tenant, role) for role in ROLES}, roles.API_KEY: tenant_api}


def expected(route, method, role):
    """'405' for a method the route does not take, else whether the role may."""
    action = TENANT_RULES[route].get(method)
    return "405" if action is None else roles.allows(role, action)


def check(client, route, method, role):
    status = getattr(client, method.lower())(path_of(route)).status_code
    want = expected(route, method, role)
    where = f"{method} /{route} as {role}: {status}"
    if want == "405":
        assert status == 405, f"{where}, but tests/isolation.py gives it no {method} rule"
    else:
        assert status not in (401, 500), where
        action = TENANT_RULES[route][method]
        assert (status != 403) == want, f"{where}; {action} is for {sorted(roles.ACTIONS[action])}"


def test_every_tenant_route_answers_each_role_as_the_table_says(callers):
    checked = 0
    for route, _ in all_routes():
        if route not in TENANT_RULES:
            continue
        for method in ("GET", "POST"):
            for role, client in callers.items():
                if role == roles.API_KEY and not route.startswith("api/"):
                    continue
                check(client, route, method, role)
                checked += 1
    assert checked > 200


def test_a_portal_page_and_its_api_twin_share_one_rule():
    portal = {
        route.removeprefix("dashboard/"): rules
        for route, rules in TENANT_RULES.items()
        if route.startswith("dashboard/")
    }
    twins = 0
    for route, rules in TENANT_RULES.items():
        page = portal.get(route.removeprefix("api/v1/")) if route.startswith("api/v1/") else None
        for method in set(rules) & set(page or {}):
            assert rules[method] == page[method], f"{method} /{route} and its portal page differ"
            twins += 1
    assert twins >= 8


def test_every_portal_view_declares_the_action_the_registry_names():
    for route, entry in all_routes():
        if route.startswith("dashboard/"):
            declared = getattr(entry.callback, "role_action", None)
            assert declared, f"/{route}: decorate its view with portal.role_required(<action>)"
            assert set(TENANT_RULES[route].values()) == {declared}, f"/{route} declares {declared}"


@pytest.mark.parametrize("action", ["approve", "cancel"])
def test_a_viewer_is_refused_on_the_portal_and_the_api_alike(tenant, action):
    """The reported hole: 403 on /dashboard/outbound/<id>/approve/, 200 on the API, same session."""
    viewer = member_client(tenant, "viewer")
    message_id = OBJECT_MAKERS["message_id"](tenant)
    assert viewer.post(f"/dashboard/outbound/{message_id}/{action}/").status_code == 403
    response = viewer.post(f"/api/v1/outbound/{message_id}/{action}/", {}, content_type="application/json")
    assert response.status_code == 403
    assert "an owner or an admin or an API key" in response.json()["detail"]
    assert OutboundMessage.objects.get(pk=message_id).status == "draft"


def test_an_owner_approves_through_the_api_and_an_agent_does_not(tenant):
    message_id = OBJECT_MAKERS["message_id"](tenant)
    agent = member_client(tenant, "agent")
    assert agent.post(f"/api/v1/outbound/{message_id}/cancel/", {}, content_type="application/json").status_code == 403
    owner = member_client(tenant, "owner")
    response = owner.post(f"/api/v1/outbound/{message_id}/cancel/", {}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "canceled"


def test_the_portal_shows_only_the_buttons_the_role_may_press(tenant):
    message_id = OBJECT_MAKERS["message_id"](tenant)
    page = {
        role: member_client(tenant, role).get(f"/dashboard/outbound/{message_id}/").content.decode() for role in ROLES
    }
    assert "Approve and send" in page["owner"] and "Approve and send" in page["admin"]
    assert "Approve and send" not in page["agent"] and "Approve and send" not in page["viewer"]
    assert "API keys" in page["admin"] and "API keys" not in page["agent"]
    assert "Write a new message" not in member_client(tenant, "viewer").get("/dashboard/outbound/").content.decode()


def test_the_403_page_names_who_may(tenant):
    response = member_client(tenant, "agent").get("/dashboard/api-keys/")
    assert response.status_code == 403 and b"an owner or an admin" in response.content


def test_a_viewer_changes_nothing_and_a_key_manages_no_people_or_opt_ins():
    assert all(action.endswith(".view") or action == "tenant.switch" for action in roles.actions_of(roles.VIEWER))
    assert not {"api_keys.manage", "contacts.manage", "tenant.switch"} & roles.actions_of(roles.API_KEY)
    assert roles.actions_of(roles.OWNER) == roles.actions_of(roles.ADMIN) == frozenset(roles.ACTIONS)


def test_a_route_naming_an_action_missing_from_the_table_fails_at_import():
    from apps.tenants.api import tenant_may
    from apps.tenants.portal import role_required

    with pytest.raises(KeyError):
        tenant_may("outbound.delete_everything")
    with pytest.raises(KeyError):
        role_required("outbound.delete_everything")
