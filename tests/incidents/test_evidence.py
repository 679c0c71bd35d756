"""'Resolved' shows the evidence: the incident's codes now against their rate before it began."""
from datetime import timedelta

import pytest

from apps.incidents.services import evidence
from tests.factories import SystemEventFactory
from tests.incidents.factories import T0, at, make_incident

pytestmark = pytest.mark.django_db


def events(tenant, count, when, code="META_SEND_FAIL"):
    SystemEventFactory.create_batch(count, tenant=tenant, code=code, occurred_at=when)


@pytest.fixture
def incident(staff, tenant):
    # A usual rate of 7 a day (0.007 per 10 minutes) in the week before the incident began at T0.
    for day in range(1, 8):
        events(tenant, 1, T0 - timedelta(days=day, hours=1))
    return make_incident(staff, tenants=[tenant])


def test_still_failing_is_not_back_to_baseline(incident, tenant):
    events(tenant, 12, at(55))
    result = evidence.rate_evidence(incident, now=at(60))

    assert result["back_to_baseline"] is False
    row = result["codes"][0]
    assert (row["code"], row["current"], row["baseline"], row["spiking"]) == ("META_SEND_FAIL", 12, 0.01, True)
    assert result["summary"].startswith("Error rate NOT back to baseline (per 10 min): META_SEND_FAIL 12 now")


def test_quiet_again_is_back_to_baseline(incident, tenant):
    events(tenant, 12, at(20))
    result = evidence.rate_evidence(incident, now=at(60))
    assert result["back_to_baseline"] is True
    assert result["summary"].startswith("Error rate back to baseline")


def test_other_tenants_events_do_not_count_for_a_tenants_incident(incident, other_tenant):
    events(other_tenant, 30, at(55))
    assert evidence.rate_evidence(incident, now=at(60))["back_to_baseline"] is True


def test_codes_of_linked_events_count_too(incident, tenant):
    event = SystemEventFactory(tenant=tenant, code="META_TOKEN_EXPIRED", occurred_at=at(1))
    event.incident = incident
    event.save()
    assert evidence.incident_codes(incident) == ["META_SEND_FAIL", "META_TOKEN_EXPIRED"]


def test_an_incident_without_codes_says_there_is_nothing_to_compare(staff):
    result = evidence.rate_evidence(make_incident(staff, codes=()), now=at(5))
    assert result["back_to_baseline"] is None and "no error rate" in result["summary"]
