"""The events API's fast validator: a plainly valid item gives exactly what `EventInSerializer`
gives; anything else is left to the serializer, so a batch's errors keep their names and messages
(`events[1].code`) and nothing of a batch with one bad item is stored."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.events.models import SystemEvent
from apps.events.serializers import EventInSerializer
from apps.events.validation import plain_event

URL = "/api/v1/events/"
LATER = (timezone.now() + timedelta(hours=1)).isoformat()

VALID = [
    {"code": "JOB_FAILED"},
    {"code": "  JOB_FAILED ", "message": "  kept as sent  ", "source": " billing ", "correlation_id": " run-1 "},
    {"code": "META_SEND_FAIL", "meta": {"wamid": "x", "nested": {"n": [1, None]}}, "message": ""},
    {"code": "JOB_FAILED", "occurred_at": "2026-01-01T10:00:00+02:00"},
    {"code": "JOB_FAILED", "occurred_at": "2026-01-01T10:00:00"},
    {"code": "JOB_FAILED", "source": "", "correlation_id": "", "unknown_key": "ignored"},
    {"code": "JOB_FAILED", "message": "ünïcødé ✓", "correlation_id": "x" * 128},
]
INVALID = [
    {"message": "no code"},
    {"code": "NOT_A_CODE"},
    {"code": "   "},
    {"code": 5},
    {"code": "JOB_FAILED", "message": None},
    {"code": "JOB_FAILED", "message": "nul\x00"},
    {"code": "JOB_FAILED", "meta": ["not", "an", "object"]},
    {"code": "JOB_FAILED", "meta": None},
    {"code": "JOB_FAILED", "occurred_at": "yesterday-ish"},
    {"code": "JOB_FAILED", "occurred_at": None},
    {"code": "JOB_FAILED", "occurred_at": LATER},
    {"code": "JOB_FAILED", "source": "s" * 101},
    {"code": "JOB_FAILED", "correlation_id": "x" * 129},
    {"code": "JOB_FAILED", "tenant": "not a slug"},
    {"code": "JOB_FAILED", "tenant": ""},
    ["not", "an", "object"],
]


def serializer_result(item, context):
    serializer = EventInSerializer(data=item, context=context)
    return dict(serializer.validated_data) if serializer.is_valid() else None


@pytest.fixture
def tenant_context(tenant):
    return {"writer_tenant": tenant, "is_operator": False, "tenant_cache": {}}


@pytest.mark.parametrize("item", VALID)
def test_a_plainly_valid_item_gives_what_the_serializer_gives(item, tenant_context):
    assert plain_event(item, tenant_context) == serializer_result(item, tenant_context)


@pytest.mark.parametrize("item", INVALID)
def test_anything_not_plainly_valid_is_left_to_the_serializer(item, tenant_context):
    assert plain_event(item, tenant_context) is None
    assert serializer_result(item, tenant_context) is None


def test_a_tenant_key_naming_its_own_tenant_or_another(tenant, other_tenant, tenant_context):
    assert plain_event({"code": "JOB_FAILED", "tenant": tenant.slug}, tenant_context)["tenant"] == tenant
    assert plain_event({"code": "JOB_FAILED", "tenant": other_tenant.slug}, tenant_context) is None


def test_an_operator_names_any_tenant_or_none(other_tenant):
    context = {"writer_tenant": None, "is_operator": True, "tenant_cache": {}}
    assert plain_event({"code": "JOB_FAILED", "tenant": other_tenant.slug}, context)["tenant"] == other_tenant
    assert plain_event({"code": "JOB_FAILED"}, context)["tenant"] is None
    assert plain_event({"code": "JOB_FAILED", "tenant": "nobody"}, context) is None


@pytest.mark.parametrize(
    "bad, field, message",
    [
        ({"code": "NOT_A_CODE"}, "events[2].code", "Unknown event code 'NOT_A_CODE'"),
        ({"message": "no code"}, "events[2].code", "This field is required."),
        ({"code": "JOB_FAILED", "message": None}, "events[2].message", "This field may not be null."),
        ({"code": "JOB_FAILED", "occurred_at": LATER}, "events[2].occurred_at", "at most 5 minutes in the future"),
        ({"code": "JOB_FAILED", "source": "s" * 101}, "events[2].source", "no more than 100 characters"),
        ({"code": "JOB_FAILED", "tenant": "someone-else"}, "events[2].tenant", "writes only its own tenant"),
    ],
)
def test_one_bad_item_in_a_big_batch_is_named_and_nothing_is_stored(tenant_api, bad, field, message):
    batch = [{"code": "JOB_FAILED", "message": f"fine {n}"} for n in range(999)]
    batch[2] = bad
    response = tenant_api.post(URL, batch, format="json")
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert list(fields) == [field]
    assert message in str(fields[field])
    assert not SystemEvent.objects.exists()


def test_a_full_batch_is_stored_with_the_writer_tenant_and_given_times(tenant_api, tenant):
    earlier = timezone.now() - timedelta(hours=2)
    batch = [{"code": "JOB_FAILED", "message": f"n {n}", "occurred_at": earlier.isoformat()} for n in range(1000)]
    response = tenant_api.post(URL, batch, format="json")
    assert response.status_code == 201
    assert response.json()["stored"] == 1000
    stored = SystemEvent.objects.filter(tenant=tenant, code="JOB_FAILED", occurred_at=earlier, source="api")
    assert stored.count() == 1000


def test_a_single_event_with_an_error_names_the_field_without_an_index(tenant_api):
    response = tenant_api.post(URL, {"code": "JOB_FAILED", "meta": "text"}, format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["meta"]
