"""Staff roles on the operator API. Every operator endpoint (from the URL resolver; its rule in
tests/isolation.py STAFF_RULES) is called by operator key as each staff group, as staff without a
group and as a superuser: allowed exactly when the admin allows the same person the same action.
The admin is asked, not assumed: each permission has a probe that requests the admin page,
console form or action that checks it."""

import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from apps.accounts import services as key_services
from apps.integrations.models import InboundEvent
from apps.jobs.models import WorkerRun
from apps.tenants.groups import GROUP_RULES
from apps.tenants.models import SystemSettings, Tenant
from tests.factories import StaffFactory
from tests.incidents.factories import make_incident
from tests.isolation import NOT_FOUND_ROUTES, STAFF_RULES, TENANT_RULES, staff_cases
from tests.test_tenant_isolation import all_routes

pytestmark = pytest.mark.django_db
MISSING = "999999"


def page(url):
    return lambda user, client: client.get(url).status_code != 403


def form_post(url):
    return lambda user, client: client.post(url, {}).status_code != 403


def action(model, name):
    def offered(user, client):
        request = RequestFactory().get("/admin/")
        request.user = user
        return name in admin.site._registry[model].get_actions(request)

    return offered


def django_permission(permission):
    """For the one operator action the admin has no page for: the Error Center is read-only, so
    reporting events is decided by Django's own add permission, which the groups grant."""
    return lambda user, client: user.has_perm(permission)


ADMIN_PROBES = {
    "events.view_systemevent": page("/admin/events/systemevent/"),
    "events.add_systemevent": django_permission("events.add_systemevent"),
    "tickets.view_ticket": page("/admin/tickets/ticket/"),
    "tickets.add_ticket": page("/admin/tickets/ticket/add/"),
    "tickets.change_ticket": form_post(f"/admin/tickets/ticket/{MISSING}/act/reply/"),
    "integrations.view_inboundevent": page("/admin/integrations/inboundevent/"),
    "integrations.change_inboundevent": action(InboundEvent, "replay_action"),
    "jobs.view_workerrun": page("/admin/jobs/workerrun/"),
    "jobs.change_workerrun": action(WorkerRun, "run_again"),
    "incidents.view_incident": page("/admin/incidents/incident/"),
    "incidents.add_incident": page("/admin/incidents/incident/add/"),
    "incidents.change_incident": form_post(f"/admin/incidents/incident/{MISSING}/act/note/"),
    "tenants.change_tenant": action(Tenant, "suspend_tenant"),
    "tenants.change_systemsettings": action(SystemSettings, "global_whatsapp_off"),
}


def staff_member(username, group=None, **extra):
    user = StaffFactory(username=username, **extra)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def staffers(db):
    users = {group: staff_member(group.lower().replace(" ", "-"), group) for group in GROUP_RULES}
    return {**users, "no group": staff_member("staff-only"), "superuser": staff_member("root", is_superuser=True)}


def operator_key(user):
    _, key = key_services.issue_operator_key(user.username, name="roles")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return api


class Admin:
    """The admin's answer per person and permission, asked once each."""

    def __init__(self):
        self.answers = {}

    def allows(self, user, permissions) -> bool:
        return all(self.answer(user, permission) for permission in permissions)

    def answer(self, user, permission):
        if (user.pk, permission) not in self.answers:
            client = Client()
            client.force_login(user)
            self.answers[user.pk, permission] = ADMIN_PROBES[permission](user, client)
        return self.answers[user.pk, permission]


def operator_routes():
    routes = [route for route, _ in all_routes() if route.startswith("api/") and route not in NOT_FOUND_ROUTES]
    missing = [route for route in routes if route not in STAFF_RULES and route not in TENANT_RULES]
    assert not missing, f"add a role rule for {missing} to tests/isolation.py"
    return [route for route in routes if route in STAFF_RULES]


def call(api, method, route, body):
    path = "/" + re.sub(r"<(?:\w+:)?\w+>", MISSING, route)
    return getattr(api, method.lower())(path, body, format="json").status_code


def test_every_operator_endpoint_answers_as_the_admin_does(staffers, tenant):
    apis, admin_site, checked = {name: operator_key(user) for name, user in staffers.items()}, Admin(), set()
    for route in operator_routes():
        for method, rule in STAFF_RULES[route].items():
            for body, permissions in staff_cases(rule):
                assert all(p in ADMIN_PROBES for p in permissions), f"add an admin probe for {permissions}"
                for name, user in staffers.items():
                    status = call(apis[name], method, route, body)
                    assert status not in (401, 405, 500), f"{method} /{route} as {name}: {status}"
                    allowed = admin_site.allows(user, permissions)
                    assert (status != 403) == allowed, f"{method} /{route} {body} as {name}: {status}, admin: {allowed}"
                    checked.add((name, allowed))
    assert {("Read-only", False), ("Read-only", True), ("Support agent", False), ("Support agent", True)} <= checked
    assert ("On-call engineer", True) in checked and ("On-call engineer", False) not in checked
    assert ("superuser", False) not in checked and ("no group", True) not in checked


def test_operator_endpoints_take_only_the_methods_they_declare(staffers):
    api = operator_key(staffers["superuser"])
    for route in operator_routes():
        for method in {"GET", "POST", "PUT"} - set(STAFF_RULES[route]) - set(TENANT_RULES.get(route, {})):
            assert call(api, method, route, {}) == 405, f"{method} /{route} has no rule in tests/isolation.py"


def test_operator_keys_reach_no_tenant_only_route(staffers):
    api = operator_key(staffers["superuser"])
    for route in TENANT_RULES:
        if route.startswith("api/") and route not in STAFF_RULES:
            method = next(iter(TENANT_RULES[route]))
            assert call(api, method, route, {}) == 403, f"{method} /{route}"


def test_a_support_agent_cannot_switch_global_whatsapp_off(staffers, tenant):
    """The reported hole, by operator key and by session: the admin refuses the switch, so does the API."""
    incident = make_incident(staffers["superuser"], tenants=[tenant])
    body = {"action": "global_whatsapp_off", "reason": "test"}
    url = f"/api/v1/incidents/{incident.pk}/mitigations/"
    assert operator_key(staffers["Support agent"]).post(url, body, format="json").status_code == 403
    session = Client()
    session.force_login(staffers["Support agent"])
    response = session.post(url, body, content_type="application/json")
    assert response.status_code == 403 and "incidents.change_incident" in response.json()["detail"]
    assert SystemSettings.load().global_whatsapp_enabled
    assert operator_key(staffers["On-call engineer"]).post(url, body, format="json").status_code == 201
    assert not SystemSettings.load().global_whatsapp_enabled


@pytest.mark.parametrize(
    "body, switch",
    [
        ({"action": "global_whatsapp_off", "reason": "r"}, "global-switch"),
        ({"action": "tenant_suspend", "reason": "r"}, "tenant-switch"),
    ],
)
def test_a_switch_needs_its_own_permission_on_the_console_and_the_api(staffers, tenant, body, switch):
    """Someone who may change incidents but not the tenants' switches flips none, anywhere."""
    user = staff_member("incident-editor")
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="incidents"))
    incident = make_incident(staffers["superuser"], tenants=[tenant])
    api_body = {**body, "tenant": tenant.slug} if switch == "tenant-switch" else body
    response = operator_key(user).post(f"/api/v1/incidents/{incident.pk}/mitigations/", api_body, format="json")
    assert response.status_code == 403 and "tenants.change_" in response.json()["detail"]
    console = Client()
    console.force_login(user)
    form = {**body, "tenant": tenant.pk} if switch == "tenant-switch" else body
    assert console.post(f"/admin/incidents/incident/{incident.pk}/act/{switch}/", form).status_code == 403
    tenant.refresh_from_db()
    assert tenant.status == "active" and SystemSettings.load().global_whatsapp_enabled


def test_read_only_staff_cannot_replay_from_the_event_page(staffers, tenant):
    from tests.integrations.factories import ConnectionFactory, InboundEventFactory

    event = InboundEventFactory(
        connection=ConnectionFactory(tenant=tenant, provider="waha"),
        status=InboundEvent.Status.DEAD_LETTERED,
        raw_body="{}",
    )
    viewer = Client()
    viewer.force_login(staffers["Read-only"])
    page_html = viewer.get(f"/admin/integrations/inboundevent/{event.pk}/change/").content.decode()
    assert "Replay this event" not in page_html
    response = viewer.post(f"/admin/integrations/inboundevent/{event.pk}/change/", {"_replay": "1", "reason": "x"})
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.status == InboundEvent.Status.DEAD_LETTERED
