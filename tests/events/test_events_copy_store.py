"""`store_batch`'s COPY path on PostgreSQL (apps.events.copy_store) builds rows straight from the
validated events instead of through `build_event`: it must store exactly what `build_event` and
an ordinary INSERT store, for the same inputs, and return events that are the stored rows."""

from datetime import timedelta

import pytest
from django.db import ProgrammingError, connection, transaction
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.core import db_context
from apps.core.context import bound
from apps.events import api, copy_store, ingest
from apps.events.models import SystemEvent

pytestmark = [pytest.mark.services, pytest.mark.django_db]

ITEMS = [
    {"code": "JOB_FAILED"},
    {"code": "META_SEND_FAIL", "message": "wamid 7f3e2c1a-9b8d-4c6e-a1f2-3b4c5d6e7f80 failed 3 times"},
    {"code": "WAHA_SEND_FAIL", "message": "  spaced\tout  ", "source": " waha ", "correlation_id": " run-1 "},
    {"code": "N8N_TIMEOUT", "meta": {"api_key": "s3cret", "nested": {"password": "x", "ok": [1, None]}}},
    {"code": "N8N_TIMEOUT", "meta": {"correlation_id": "from-meta", "note": "tab\there\nnewline \\ slash"}},
    {"code": "JOB_FAILED", "occurred_at": "2026-01-01T10:00:00+02:00", "message": "ünïcødé ✓"},
    {"code": "JOB_FAILED", "tenant": "beta"},
    {"code": "JOB_FAILED", "message": "deadbeefdeadbeefdeadbeef"},
]
COMPARED = [field.name for field in copy_store.FIELDS if field.name not in ("id", "created_at")]


def validated(items):
    """The items as the API validates them for an operator key (which may name any tenant)."""
    context = {"writer_tenant": None, "is_operator": True, "tenant_cache": {}}
    return [api.validated_item(item, context)[0] for item in items]


def stored_rows(events):
    rows = SystemEvent.objects.filter(pk__in=[event.pk for event in events]).order_by("pk")
    return [model_to_dict(row, fields=COMPARED) for row in rows]


def test_the_copy_path_stores_what_build_event_and_an_insert_store(other_tenant):
    events = validated(ITEMS)
    now = timezone.now()
    with bound(request_id="request-7"):
        copied = copy_store.store(events)
        inserted = SystemEvent.objects.bulk_create([ingest.build_event(**event) for event in events])

    by_copy, by_insert = stored_rows(copied), stored_rows(inserted)
    for row in by_copy + by_insert:
        if abs(row["occurred_at"] - now) < timedelta(minutes=1):
            row["occurred_at"] = "when stored"
    assert by_copy == by_insert
    assert by_copy[3]["meta"]["api_key"] == "[redacted]" and by_copy[4]["correlation_id"] == "from-meta"
    assert by_copy[0]["correlation_id"] == "request-7" and by_copy[6]["tenant"] == other_tenant.pk


def test_the_returned_events_are_the_stored_rows_and_count_as_saved(tenant):
    events = validated([{"code": "N8N_TIMEOUT", "message": "run 5", "meta": {"a": [1]}, "tenant": "alpha"}])

    stored = copy_store.store(events)

    fresh = SystemEvent.objects.get(pk=stored[0].pk)
    assert model_to_dict(stored[0]) == model_to_dict(fresh)
    assert stored[0].created_at == fresh.created_at and not stored[0]._state.adding
    assert stored[0]._state.db == connection.alias


def test_two_batches_in_one_transaction_store_each_event_once():
    events = validated([{"code": "JOB_FAILED", "message": f"job {i}"} for i in range(3)])

    with transaction.atomic():
        first, second = copy_store.store(events), copy_store.store(events)

    assert SystemEvent.objects.filter(pk__in=[e.pk for e in first + second]).count() == 6


def test_a_batch_that_fails_in_the_database_stores_nothing_and_leaves_the_stage_empty():
    events = validated([{"code": "JOB_FAILED"}])
    events.append({**events[0], "source": "x" * 101})  # past what validation lets through
    before = SystemEvent.objects.count()

    with pytest.raises(Exception, match="too long"):
        copy_store.store(events)

    assert SystemEvent.objects.count() == before
    assert len(copy_store.store(events[:1])) == 1 and SystemEvent.objects.count() == before + 1


def test_anything_but_a_validated_event_is_refused():
    with pytest.raises(TypeError, match="incident"):
        copy_store.store([{"code": "JOB_FAILED", "incident": 1}])


def test_the_columns_the_copy_path_leaves_out_are_the_nullable_links():
    batch = {"now": timezone.now(), "correlation_id": "", "entries": {}}
    left_out = set(copy_store.ATTNAMES) - set(copy_store._values(validated(ITEMS[:1])[0], batch)) - {"id"}

    assert left_out == {"incident_id", "inbound_event_id", "automation_run_id"}
    assert all(SystemEvent._meta.get_field(name.removesuffix("_id")).null for name in left_out)


@pytest.mark.rls_wall
def test_under_row_level_security_a_tenant_stores_its_own_batch_and_no_other(tenant, other_tenant):
    mine = validated([{"code": "JOB_FAILED", "message": "mine"}])
    mine[0]["tenant"] = tenant
    theirs = [{**mine[0], "tenant": other_tenant, "message": "smuggled"}]

    with db_context.scope(db_context.tenant_state(tenant)):
        assert len(copy_store.store(mine)) == 1
        with pytest.raises(ProgrammingError, match="row-level security"):
            copy_store.store(theirs)
    with db_context.platform_context():
        assert list(SystemEvent.objects.filter(code="JOB_FAILED").values_list("message", flat=True)) == ["mine"]


def test_a_request_takes_the_same_statements_for_two_events_or_a_thousand(tenant_api):
    def statements(size):
        batch = [{"code": "META_SEND_FAIL", "message": f"send {n} failed", "meta": {"n": n}} for n in range(size)]
        with CaptureQueriesContext(connection) as queries:
            assert tenant_api.post("/api/v1/events/", batch, format="json").status_code == 201
        return len(queries)

    statements(1)  # the key's first use writes its last-used time
    assert statements(2) == statements(1000) <= 10
