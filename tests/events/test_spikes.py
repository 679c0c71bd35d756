from datetime import timedelta

import pytest
from django.utils import timezone

from apps.events.models import SystemEvent
from apps.incidents.models import Incident
from apps.incidents.services import detection
from tests.factories import SystemEventFactory, TenantFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now().replace(microsecond=0)


def burst(tenant, count=12, code="META_SEND_FAIL", minutes_ago=3):
    return [
        SystemEventFactory(tenant=tenant, code=code, occurred_at=NOW - timedelta(minutes=minutes_ago))
        for _ in range(count)
    ]


def spike_incidents(code="META_SEND_FAIL"):
    return Incident.objects.filter(dedup_key=f"spike:{code}")


def test_same_code_spiking_in_three_tenants_opens_one_incident_linking_tenants_and_events():
    tenants = TenantFactory.create_batch(3)
    events = [event for tenant in tenants for event in burst(tenant)]

    result = detection.detect_spikes(now=NOW)

    incident = spike_incidents().get()
    assert result["opened"] == 1
    assert set(incident.affected_tenants.all()) == set(tenants)
    assert set(incident.events.filter(code="META_SEND_FAIL").values_list("id", flat=True)) == {e.id for e in events}
    assert incident.detection_method == "spike"
    assert SystemEvent.objects.filter(code="ERROR_SPIKE", incident=incident).count() == 1


def test_detecting_again_opens_no_second_incident():
    for tenant in TenantFactory.create_batch(3):
        burst(tenant)
    detection.detect_spikes(now=NOW)

    result = detection.detect_spikes(now=NOW + timedelta(minutes=1))

    assert spike_incidents().count() == 1
    assert result == {
        "spiking_codes": result["spiking_codes"],
        "opened": 0,
        "joined": 1,
        "tenant_abuse": {"opened": 0, "joined": 0},
    }
    assert SystemEvent.objects.filter(code="ERROR_SPIKE").count() == 1


def test_a_fourth_tenant_spiking_later_joins_the_same_incident():
    for tenant in TenantFactory.create_batch(3):
        burst(tenant)
    detection.detect_spikes(now=NOW)
    fourth = TenantFactory()
    late = [SystemEventFactory(tenant=fourth, occurred_at=NOW + timedelta(minutes=2)) for _ in range(12)]

    detection.detect_spikes(now=NOW + timedelta(minutes=4))

    incident = spike_incidents().get()
    assert fourth in incident.affected_tenants.all()
    assert {event.id for event in late} <= set(incident.events.values_list("id", flat=True))


def test_a_code_at_its_normal_baseline_does_not_spike(settings):
    settings.SPIKE_WINDOW_MINUTES = 12 * 60  # a one-day baseline is then two windows
    settings.SPIKE_BASELINE_DAYS = 1
    for tenant in TenantFactory.create_batch(3):
        burst(tenant)
        burst(tenant, minutes_ago=13 * 60)
        burst(tenant, minutes_ago=20 * 60)

    result = detection.detect_spikes(now=NOW)

    assert result["spiking_codes"] == {}
    assert not spike_incidents().exists()


def test_the_same_burst_without_history_does_spike(settings):
    settings.SPIKE_WINDOW_MINUTES = 12 * 60
    settings.SPIKE_BASELINE_DAYS = 1
    for tenant in TenantFactory.create_batch(3):
        burst(tenant)

    assert detection.detect_spikes(now=NOW)["opened"] == 1


def test_two_spiking_tenants_open_no_incident():
    for tenant in TenantFactory.create_batch(2):
        burst(tenant)

    result = detection.detect_spikes(now=NOW)

    assert result["opened"] == 0
    assert not spike_incidents().exists()


def test_counts_below_the_minimum_do_not_spike():
    for tenant in TenantFactory.create_batch(3):
        burst(tenant, count=9)

    assert detection.detect_spikes(now=NOW)["spiking_codes"] == {}
