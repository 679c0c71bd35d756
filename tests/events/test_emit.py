import logging

from django.db import connection, transaction
from django.test import override_settings

from apps.events import emit
from apps.events.models import SystemEvent


def test_emit_stores_with_catalog_level_and_category(tenant):
    event = emit("META_TOKEN_EXPIRED", tenant=tenant, message="expired", source="tests")
    stored = SystemEvent.objects.get(pk=event.pk)
    assert (stored.level, stored.category, stored.tenant) == ("critical", "whatsapp_outbound", tenant)


def test_emit_never_raises_when_storing_fails_and_logs_instead(tenant, caplog):
    with caplog.at_level(logging.ERROR, logger="opsdesk.events"):
        result = emit("JOB_FAILED", tenant=tenant, message="unstorable", meta={"items": {1, 2}})
    assert result is None
    assert not SystemEvent.objects.exists()
    record = next(r for r in caplog.records if r.getMessage() == "Event could not be stored")
    assert record.event_code == "JOB_FAILED" and record.event_message == "unstorable"


def test_failed_emit_leaves_the_outer_transaction_usable(tenant):
    with transaction.atomic():
        assert emit("JOB_FAILED", tenant=tenant, meta={"bad": {1}}) is None
        emit("JOB_FAILED", tenant=tenant, message="after the failure")
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    assert list(SystemEvent.objects.values_list("message", flat=True)) == ["after the failure"]


def test_emit_after_a_failed_statement_in_the_outer_block_is_stored(tenant):
    with transaction.atomic():
        with connection.cursor() as cursor:
            try:
                with transaction.atomic():
                    cursor.execute("SELECT * FROM no_such_table_here")
            except Exception:
                pass
        assert emit("JOB_FAILED", tenant=tenant, message="fine") is not None
    assert SystemEvent.objects.filter(message="fine").exists()


def test_emit_with_a_rolled_back_outer_block_logs_not_raises(tenant, caplog):
    with caplog.at_level(logging.ERROR, logger="opsdesk.events"):
        with transaction.atomic():
            transaction.set_rollback(True)
            result = emit("JOB_FAILED", tenant=tenant, message="doomed")
    assert result is None
    assert any(r.getMessage() == "Event could not be stored" for r in caplog.records)


def test_secrets_in_meta_are_redacted(tenant):
    event = emit(
        "JOB_FAILED",
        tenant=tenant,
        meta={"Authorization": "Bearer abc", "webhook_secret": "s", "detail": {"token": "t", "ok": 1}},
    )
    meta = SystemEvent.objects.get(pk=event.pk).meta
    assert meta["Authorization"] == meta["webhook_secret"] == meta["detail"]["token"] == "[redacted]"
    assert meta["detail"]["ok"] == 1


def test_unknown_code_is_still_stored_and_logged(tenant, caplog):
    with caplog.at_level(logging.ERROR, logger="opsdesk.events"):
        event = emit("NOT_IN_CATALOG", tenant=tenant)
    assert event is not None and event.level == "error"
    assert any(r.getMessage() == "Unknown event code emitted" for r in caplog.records)


@override_settings(SLOW_REQUEST_MS=-1)
def test_slow_request_is_stored_as_slow_request_event(client, db):
    client.get("/healthz")
    event = SystemEvent.objects.get(code="SLOW_REQUEST")
    assert event.level == "warning" and event.category == "infra"
    assert event.meta["path"] == "/healthz" and event.meta["method"] == "GET"
    assert event.meta["duration_ms"] >= 0 and "status" in event.meta
    assert event.correlation_id


def test_a_link_without_a_foreign_key_is_kept_in_meta_not_lost(tenant):
    event = emit("SLA_BREACHED", tenant=tenant, message="ticket 7 breached", ticket=7)
    assert event is not None and event.pk
    assert event.meta["ticket_id"] == 7


def test_links_to_inbound_events_and_automation_runs_are_foreign_keys(tenant):
    from tests.integrations.factories import InboundEventFactory

    inbound = InboundEventFactory(connection__tenant=tenant)
    event = emit("WAHA_WEBHOOK_DEAD_LETTERED", tenant=tenant, message="dead", inbound_event=inbound)
    assert event.inbound_event == inbound
