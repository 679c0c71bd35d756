"""Manual mode on and off, per tenant and platform-wide: a reason is required, each change is audited
and announced, the policy reads it, the incident's kill-switch panel and the admin apply it."""

import pytest

from apps.core.errors import ServiceError
from apps.events.models import AuditEvent, SystemEvent
from apps.fallback import services as fallback
from apps.fallback import state
from apps.incidents import services as incidents
from apps.tenants import policy
from apps.tenants.models import SystemSettings, Tenant
from tests.incidents.factories import make_incident

pytestmark = pytest.mark.django_db


def test_a_reason_is_required_to_turn_it_on_or_off(tenant, staff):
    with pytest.raises(ServiceError) as refused:
        fallback.turn_on(tenant, actor=staff, reason="  ")
    assert refused.value.code == "reason_required"
    with pytest.raises(ServiceError):
        fallback.turn_on_platform(actor=staff, reason="")
    assert Tenant.objects.get(pk=tenant.pk).manual_mode_since is None
    assert not AuditEvent.objects.filter(action__contains="manual_mode").exists()


def test_turning_it_on_and_off_is_audited_and_announced(tenant, staff):
    fallback.turn_on(tenant, actor=staff, reason="Chatwoot down")
    on = Tenant.objects.get(pk=tenant.pk)
    assert on.manual_mode_since is not None and on.manual_mode_reason == "Chatwoot down"
    assert state.is_on(on) and policy.manual_mode(on).code == policy.MANUAL_MODE_TENANT

    fallback.turn_off(on, actor=staff, reason="Chatwoot back")

    audits = AuditEvent.objects.filter(tenant=tenant, action__startswith="tenant.manual_mode").order_by("pk")
    assert [(a.action, a.reason, a.actor_id) for a in audits] == [
        ("tenant.manual_mode_on", "Chatwoot down", staff.pk),
        ("tenant.manual_mode_off", "Chatwoot back", staff.pk),
    ]
    assert audits[0].before["manual_mode"] is False and audits[0].after["manual_mode"] is True
    codes = list(SystemEvent.objects.filter(tenant=tenant).order_by("pk").values_list("code", flat=True))
    assert codes == ["MANUAL_MODE_ON", "MANUAL_MODE_OFF"]
    assert not state.is_on(Tenant.objects.get(pk=tenant.pk))


def test_a_repeated_switch_changes_and_audits_nothing(tenant, staff):
    fallback.turn_on(tenant, actor=staff, reason="down")
    fallback.turn_on(tenant, actor=staff, reason="down again")
    assert fallback.turn_off(tenant, actor=staff, reason="up") == 0
    assert fallback.turn_off(tenant, actor=staff, reason="up again") == 0
    assert AuditEvent.objects.filter(action__startswith="tenant.manual_mode").count() == 2
    assert SystemEvent.objects.filter(code__startswith="MANUAL_MODE").count() == 2


def test_the_platform_switch_affects_every_tenant(tenant, other_tenant, staff):
    fallback.turn_on_platform(actor=staff, reason="Chatwoot cluster down")

    for each in (tenant, other_tenant):
        decision = policy.manual_mode(Tenant.objects.get(pk=each.pk))
        assert not decision and decision.code == policy.MANUAL_MODE_GLOBAL
    assert AuditEvent.objects.get(action="system.manual_mode_on").reason == "Chatwoot cluster down"
    assert SystemEvent.objects.get(code="MANUAL_MODE_ON").tenant is None

    fallback.turn_off_platform(actor=staff, reason="recovered")
    assert SystemSettings.load().manual_mode_since is None
    assert policy.manual_mode(Tenant.objects.get(pk=tenant.pk))


def test_the_incident_kill_switch_panel_turns_it_on_and_off(tenant, staff):
    incident = make_incident(staff, tenants=[tenant])
    entry = incidents.apply_mitigation(incident, "tenant_manual_on", actor=staff, reason="Chatwoot 502", tenant=tenant)
    assert Tenant.objects.get(pk=tenant.pk).manual_mode_since is not None
    assert entry.kind == "switch" and entry.text.endswith("for Alpha Rooms: Chatwoot 502")

    entry = incidents.apply_mitigation(incident, "tenant_manual_off", actor=staff, reason="back", tenant=tenant)
    assert entry.data["handed_back"] == 0
    incidents.apply_mitigation(incident, "global_manual_on", actor=staff, reason="all down")
    assert SystemSettings.load().manual_mode_since is not None
    incidents.apply_mitigation(incident, "global_manual_off", actor=staff, reason="all up")
    assert SystemSettings.load().manual_mode_since is None


def test_the_kill_switch_panel_shows_and_applies_manual_mode(client, tenant, staff):
    incident = make_incident(staff, tenants=[tenant])
    client.force_login(staff)
    url = f"/admin/incidents/incident/{incident.pk}/act/tenant-switch/"

    response = client.post(url, {"tenant": tenant.pk, "action": "tenant_manual_on", "reason": "Chatwoot down"})

    assert response.status_code == 302
    page = client.get(f"/admin/incidents/incident/{incident.pk}/change/").content.decode()
    assert "Manual mode on (AI stops" in page and "<strong>ON</strong> since" in page


def test_the_tenant_admin_action_asks_for_a_reason_then_turns_it_on(client, tenant, staff):
    client.force_login(staff)
    action = "manual_mode_on_ai_stops_whatsapp_and_telegram_messages_become_tickets"
    data = {"action": action, "_selected_action": [tenant.pk]}

    confirm = client.post("/admin/tenants/tenant/", data)
    assert confirm.status_code == 200 and b"reason" in confirm.content
    assert Tenant.objects.get(pk=tenant.pk).manual_mode_since is None

    client.post("/admin/tenants/tenant/", {**data, "confirm": "yes", "reason": "Chatwoot down"})
    assert Tenant.objects.get(pk=tenant.pk).manual_mode_reason == "Chatwoot down"


def test_the_panel_button_opens_a_confirmation_page_that_posts_to_the_incident(client, tenant, staff):
    incident = make_incident(staff, tenants=[tenant])
    client.force_login(staff)
    page = client.get(f"/admin/incidents/incident/{incident.pk}/change/").content.decode()
    confirm_url = f"/admin/fallback/conversation/switch/on/?incident={incident.pk}&amp;tenant={tenant.pk}"
    assert confirm_url in page

    confirm = client.get(confirm_url.replace("&amp;", "&"))

    body = confirm.content.decode()
    assert confirm.status_code == 200 and "We are answering by hand today" in body
    assert f'action="/admin/incidents/incident/{incident.pk}/act/tenant-switch/"' in body
    assert 'value="tenant_manual_on"' in body and Tenant.objects.get(pk=tenant.pk).manual_mode_since is None


def test_the_confirmation_page_needs_the_switch_permission(client, tenant, staff):
    from tests.factories import StaffFactory

    incident = make_incident(staff, tenants=[tenant])
    client.force_login(StaffFactory())
    response = client.get(f"/admin/fallback/conversation/switch/off/?incident={incident.pk}&tenant={tenant.pk}")
    assert response.status_code == 403
