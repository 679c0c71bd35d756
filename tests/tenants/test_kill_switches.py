from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.errors import ServiceError
from apps.events.models import AuditEvent
from apps.tenants import services
from apps.tenants.models import SystemSettings, Tenant


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_changing_a_switch_without_a_reason_is_refused_and_changes_nothing(tenant, staff, reason):
    with pytest.raises(ServiceError, match="reason is required"):
        services.disable_whatsapp(tenant, actor=staff, reason=reason)
    tenant.refresh_from_db()
    assert tenant.is_whatsapp_enabled
    assert not AuditEvent.objects.filter(action="tenant.whatsapp_disabled").exists()


def test_every_switch_writes_one_audit_record_with_before_and_after(tenant, staff):
    services.disable_whatsapp(tenant, actor=staff, reason="spam complaints")
    services.set_ai_enabled(tenant, False, actor=staff, reason="guardrail spike")
    services.suspend(tenant, actor=staff, reason="abuse confirmed")
    services.reactivate(tenant, actor=staff, reason="customer fixed it")
    services.set_ai_limits(tenant, daily=5, monthly=50, actor=staff, reason="cost spike")
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == [
        "tenant.whatsapp_disabled",
        "tenant.ai_disabled",
        "tenant.suspended",
        "tenant.reactivated",
        "tenant.ai_limits_changed",
    ]
    record = AuditEvent.objects.get(action="tenant.whatsapp_disabled")
    assert record.before["is_whatsapp_enabled"] is True and record.after["is_whatsapp_enabled"] is False
    assert record.reason == "spam complaints" and record.actor == staff and record.tenant_id == tenant.id


def test_ban_disabled_whatsapp_needs_an_override_before_24_hours(tenant, staff):
    services.disable_whatsapp(tenant, actor=staff, reason="number banned", for_ban=True)
    with pytest.raises(ServiceError, match="ban-hold override"):
        services.enable_whatsapp(tenant, actor=staff, reason="customer asked")
    assert not Tenant.objects.get(pk=tenant.pk).is_whatsapp_enabled

    services.enable_whatsapp(tenant, actor=staff, reason="new device, verified", override_ban_hold=True)
    assert Tenant.objects.get(pk=tenant.pk).is_whatsapp_enabled
    assert AuditEvent.objects.filter(action="tenant.whatsapp_enabled_override").count() == 1


def test_ban_hold_ends_after_24_hours(tenant, staff):
    services.disable_whatsapp(tenant, actor=staff, reason="number banned", for_ban=True)
    Tenant.objects.filter(pk=tenant.pk).update(whatsapp_disabled_at=timezone.now() - timedelta(hours=25))
    services.enable_whatsapp(tenant, actor=staff, reason="waited out the ban")
    assert Tenant.objects.get(pk=tenant.pk).is_whatsapp_enabled


def test_global_switches_are_audited_and_validated(db, staff):
    services.set_global_whatsapp(False, actor=staff, reason="Redis outage")
    assert not SystemSettings.load().global_whatsapp_enabled
    with pytest.raises(ServiceError, match="Unknown AI provider"):
        services.set_default_ai_provider("skynet", actor=staff, reason="test")
    services.set_default_ai_provider("mock", actor=staff, reason="provider outage")
    assert SystemSettings.load().default_ai_provider == "mock"
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "system.whatsapp_disabled",
        "system.ai_provider_changed",
    ]


def _post_action(client, url, action, ids, **extra):
    data = {"action": action, "_selected_action": [str(i) for i in ids], **extra}
    return client.post(url, data)


def test_admin_kill_switch_asks_for_a_reason_then_applies(client, tenant, staff):
    client.force_login(staff)
    url = "/admin/tenants/tenant/"
    page = _post_action(client, url, "disable_whatsapp", [tenant.pk])
    assert page.status_code == 200 and b"reason" in page.content.lower()

    refused = _post_action(client, url, "disable_whatsapp", [tenant.pk], confirm="yes", reason="")
    assert b"A reason is required" in refused.content
    assert Tenant.objects.get(pk=tenant.pk).is_whatsapp_enabled

    done = _post_action(client, url, "disable_whatsapp", [tenant.pk], confirm="yes", reason="ban suspected")
    assert done.status_code == 302
    assert not Tenant.objects.get(pk=tenant.pk).is_whatsapp_enabled
    assert AuditEvent.objects.get(action="tenant.whatsapp_disabled").reason == "ban suspected"


def test_admin_global_whatsapp_off(client, staff):
    client.force_login(staff)
    SystemSettings.load()
    response = _post_action(
        client,
        "/admin/tenants/systemsettings/",
        "global_whatsapp_off",
        [1],
        confirm="yes",
        reason="Redis down, stop the backlog",
    )
    assert response.status_code == 302
    assert not SystemSettings.load().global_whatsapp_enabled
