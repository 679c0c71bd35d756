"""Kill switches from the incident: through the tenants services (audited, reason required),
for affected tenants only, each on the incident's timeline."""

import pytest

from apps.core.errors import ServiceError
from apps.events.models import AuditEvent
from apps.incidents import services
from apps.tenants.models import SystemSettings, Tenant
from tests.incidents.factories import make_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(staff, tenant):
    return make_incident(staff, tenants=[tenant])


@pytest.mark.parametrize(
    "action,field,value",
    [
        ("tenant_whatsapp_off", "is_whatsapp_enabled", False),
        ("tenant_ai_off", "is_ai_enabled", False),
        ("tenant_suspend", "status", "suspended"),
    ],
)
def test_a_tenant_switch_is_applied_audited_and_on_the_timeline(incident, tenant, staff, action, field, value):
    entry = services.apply_mitigation(incident, action, actor=staff, reason="abuse from one number", tenant=tenant)

    assert getattr(Tenant.objects.get(pk=tenant.pk), field) == value
    assert entry.kind == "switch" and entry.text.endswith("for Alpha Rooms: abuse from one number")
    assert entry.data == {"action": action, "tenant": "alpha", "reason": "abuse from one number"}
    assert AuditEvent.objects.filter(tenant=tenant, reason="abuse from one number").exists()


def test_switching_back_on_goes_through_the_same_service(incident, tenant, staff):
    services.apply_mitigation(incident, "tenant_ai_off", actor=staff, reason="abuse", tenant=tenant)
    services.apply_mitigation(incident, "tenant_ai_on", actor=staff, reason="reviewed", tenant=tenant)
    assert Tenant.objects.get(pk=tenant.pk).is_ai_enabled


def test_the_ban_hold_refusal_of_the_tenants_service_reaches_the_incident(incident, tenant, staff):
    services.apply_mitigation(incident, "tenant_whatsapp_off_ban", actor=staff, reason="number banned", tenant=tenant)
    with pytest.raises(ServiceError) as refused:
        services.apply_mitigation(incident, "tenant_whatsapp_on", actor=staff, reason="try again", tenant=tenant)
    assert refused.value.code == "ban_hold"
    assert incident.timeline.filter(kind="switch").count() == 1


def test_tenants_not_affected_are_refused(incident, other_tenant, staff):
    with pytest.raises(ServiceError) as refused:
        services.apply_mitigation(incident, "tenant_suspend", actor=staff, reason="x", tenant=other_tenant)
    assert refused.value.code == "tenant_not_affected"
    assert Tenant.objects.get(pk=other_tenant.pk).is_active


def test_a_reason_is_required(incident, tenant, staff):
    with pytest.raises(ServiceError) as refused:
        services.apply_mitigation(incident, "tenant_ai_off", actor=staff, reason="  ", tenant=tenant)
    assert refused.value.code == "reason_required"
    assert not incident.timeline.filter(kind="switch").exists()


def test_global_whatsapp_off_and_ai_provider_to_mock(incident, staff):
    services.apply_mitigation(incident, "global_whatsapp_off", actor=staff, reason="Redis down: stop the backlog")
    entry = services.apply_mitigation(incident, "ai_provider_mock", actor=staff, reason="OpenRouter 5xx")

    settings = SystemSettings.load()
    assert not settings.global_whatsapp_enabled and settings.default_ai_provider == "mock"
    assert entry.data["before"] == "openrouter"
    assert AuditEvent.objects.filter(action="system.whatsapp_disabled").exists()
    with pytest.raises(ServiceError) as refused:
        services.apply_mitigation(incident, "ai_provider_mock", actor=staff, reason="again")
    assert refused.value.code == "unchanged"


def test_unknown_mitigations_are_refused(incident, staff):
    with pytest.raises(ServiceError) as refused:
        services.apply_mitigation(incident, "reboot_everything", actor=staff, reason="x")
    assert refused.value.code == "invalid_mitigation"
