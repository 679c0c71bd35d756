import pytest

from apps.events import emit
from apps.incidents import services
from apps.incidents.models import Incident, Severity, Status

pytestmark = pytest.mark.django_db


def test_open_or_join_keeps_one_open_incident_per_key(tenant, other_tenant):
    first, created = services.open_or_join(
        "spike:META_SEND_FAIL", title="Spike", codes=["META_SEND_FAIL"], tenant_ids=[tenant.pk]
    )
    again, created_again = services.open_or_join(
        "spike:META_SEND_FAIL", title="Spike", codes=["META_SEND_FAIL"], tenant_ids=[other_tenant.pk]
    )
    assert created and not created_again and first.pk == again.pk
    assert set(first.affected_tenants.values_list("slug", flat=True)) == {tenant.slug, other_tenant.slug}


def test_a_resolved_incident_lets_the_next_spike_open_a_new_one(tenant):
    first, _ = services.open_or_join("spike:N8N_TIMEOUT", title="Spike", codes=["N8N_TIMEOUT"])
    Incident.objects.filter(pk=first.pk).update(status=Status.RESOLVED)
    second, created = services.open_or_join("spike:N8N_TIMEOUT", title="Spike", codes=["N8N_TIMEOUT"])
    assert created and second.pk != first.pk


def test_severity_follows_the_worst_code_level():
    assert services.severity_for_codes(["META_TOKEN_EXPIRED", "META_SEND_FAIL"]) == Severity.SEV1
    assert services.severity_for_codes(["META_SEND_FAIL"]) == Severity.SEV2
    assert services.severity_for_codes(["BOT_LIMIT_EXCEEDED"]) == Severity.SEV3


def test_open_from_events_links_events_and_tenants(tenant, other_tenant, staff):
    events = [emit("META_SEND_FAIL", tenant=tenant, message="a"), emit("META_SEND_FAIL", tenant=other_tenant)]
    incident = services.open_from_events(events, actor=staff)
    assert incident.events.count() == 2
    assert incident.affected_tenants.count() == 2
    assert incident.owner == staff
