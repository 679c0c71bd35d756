"""An event without its own correlation_id takes the one in its meta as its correlation ID (a column
of 128 characters): one that cannot be stored there is a 400 naming `events[n].meta`, never a 500,
and the fast validator leaves it to the serializer, which says so."""

import pytest

from apps.events.models import SystemEvent
from apps.events.serializers import EventInSerializer
from apps.events.validation import plain_event

URL = "/api/v1/events/"
UNFIT = ["x" * 129, {"nested": "id"}, ["a"], True, 1.5]


@pytest.mark.parametrize("value", UNFIT)
def test_a_meta_correlation_id_that_does_not_fit_is_a_400_naming_the_item(tenant_api, value):
    batch = [{"code": "JOB_FAILED"}, {"code": "JOB_FAILED", "meta": {"correlation_id": value}}]

    response = tenant_api.post(URL, batch, format="json")

    assert response.status_code == 400
    assert "at most 128 characters" in str(response.json()["fields"]["events[1].meta"])
    assert not SystemEvent.objects.exists()


@pytest.mark.parametrize("value", UNFIT)
def test_the_fast_validator_leaves_it_to_the_serializer(tenant, value):
    context = {"writer_tenant": tenant, "is_operator": False, "tenant_cache": {}}
    item = {"code": "JOB_FAILED", "meta": {"correlation_id": value}}

    assert plain_event(item, context) is None
    assert "meta" in _errors(item, context)


@pytest.mark.parametrize("value, stored", [("y" * 128, "y" * 128), (42, "42")])
def test_one_that_fits_becomes_the_events_correlation_id(tenant_api, value, stored):
    response = tenant_api.post(URL, [{"code": "JOB_FAILED", "meta": {"correlation_id": value}}], format="json")

    assert response.status_code == 201
    assert SystemEvent.objects.get().correlation_id == stored


def _errors(item, context):
    serializer = EventInSerializer(data=item, context=context)
    serializer.is_valid()
    return serializer.errors
