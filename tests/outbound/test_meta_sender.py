"""WhatsApp Cloud sends against a local Graph API: each answer Meta gives is classified by its
error code (not only the HTTP status), recorded as an attempt, and moves the message on."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.events.models import AuditEvent, SystemEvent
from apps.outbound import services
from apps.outbound.models import OutboundAttempt, Status
from apps.tenants.usage import usage_for
from tests.fakes import graph as replies
from tests.outbound.conftest import PHONE, queued

pytestmark = pytest.mark.django_db


def sent_once(message):
    assert services.dispatch(message.pk) in (Status.SENT, Status.QUEUED, Status.FAILED, "held")
    message.refresh_from_db()
    return message


def test_success_stores_the_wamid_counts_usage_and_audits(tenant, meta, graph):
    message = sent_once(queued(tenant, meta))
    assert message.status == Status.SENT and message.provider_message_id.startswith("wamid.")
    payload = graph.sent()[0]
    assert payload == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": PHONE,
        "type": "text",
        "text": {"preview_url": False, "body": "Your table is ready."},
    }
    attempt = message.attempt_log.get()
    assert (attempt.number, attempt.outcome, attempt.status_code) == (1, "success", 200)
    assert usage_for(tenant).messages_this_month == 1
    assert AuditEvent.objects.filter(action="outbound.sent", target_id=str(message.pk)).exists()


def test_template_is_sent_with_its_language_and_parameters(tenant, meta, graph):
    template = {"name": "order_update", "language": "de_DE", "parameters": ["1042", "Friday"]}
    message = sent_once(queued(tenant, meta, template=template))
    assert message.status == Status.SENT
    assert graph.sent()[0]["template"] == {
        "name": "order_update",
        "language": {"code": "de_DE"},
        "components": [
            {"type": "body", "parameters": [{"type": "text", "text": "1042"}, {"type": "text", "text": "Friday"}]}
        ],
    }


def test_attempts_never_record_the_access_token(tenant, meta, graph):
    message = sent_once(queued(tenant, meta))
    summary = str(message.attempt_log.get().request_summary)
    assert graph.token not in summary and "Your table" not in summary
    assert graph.requests[-1].headers["Authorization"] == f"Bearer {graph.token}"


def test_429_with_retry_after_is_retried_no_sooner_than_meta_asked(tenant, meta, graph):
    graph.script(replies.rate_limited(retry_after=120))
    before = timezone.now()
    message = sent_once(queued(tenant, meta))
    assert message.status == Status.QUEUED and message.last_error_code == "130429"
    assert message.next_attempt_at >= before + timedelta(seconds=120)
    attempt = message.attempt_log.get()
    assert (attempt.outcome, attempt.status_code, attempt.retry_after_s) == ("retryable", 429, 120.0)
    assert services.dispatch(message.pk) == "not_due"
    assert services.dispatch(message.pk, now=message.next_attempt_at + timedelta(seconds=1)) == Status.SENT


def test_code_130429_on_a_400_is_retryable_because_the_code_decides(tenant, meta, graph):
    graph.script(replies.throughput_limited())
    message = sent_once(queued(tenant, meta))
    assert message.status == Status.QUEUED
    assert message.attempt_log.get().outcome == "retryable" and message.attempt_log.get().status_code == 400
    assert not SystemEvent.objects.filter(code="META_SEND_FAIL").exists()


def test_5xx_backs_off_with_jitter_then_succeeds(tenant, meta, graph):
    graph.script(replies.server_error())
    message = sent_once(queued(tenant, meta))
    assert message.status == Status.QUEUED and message.last_error_code == "131000"
    wait = (message.next_attempt_at - message.attempt_log.get().created_at).total_seconds()
    assert 1.0 <= wait <= 2.0  # first retry: half fixed, half random of OUTBOUND_BACKOFF_BASE_S (2 s)
    later = message.next_attempt_at + timedelta(seconds=6)  # and past the contact's 6-second spacing
    assert services.dispatch(message.pk, now=later) == Status.SENT
    assert list(message.attempt_log.order_by("number").values_list("outcome", flat=True)) == ["retryable", "success"]


def test_server_that_never_answers_is_a_timeout_and_retried(tenant, meta, graph):
    graph.script(replies.never_answers(seconds=2.0))
    message = sent_once(queued(tenant, meta))
    attempt = message.attempt_log.get()
    assert (attempt.outcome, attempt.error_code, attempt.status_code) == ("retryable", "timeout", None)
    assert 400 <= attempt.latency_ms < 1900
    assert message.status == Status.QUEUED and "No answer within 0.5 s" in message.last_error


def test_retryable_errors_fail_after_the_last_attempt_with_meta_send_fail(tenant, meta, graph, settings):
    graph.script(*[replies.server_error()] * 3)
    message = queued(tenant, meta)
    for hour in range(1, 4):
        services.dispatch(message.pk, now=timezone.now() + timedelta(hours=hour))
    message.refresh_from_db()
    assert message.status == Status.FAILED and "Gave up after 3 attempts" in message.last_error
    event = SystemEvent.objects.get(code="META_SEND_FAIL")
    assert event.meta["provider_error_code"] == "131000" and event.meta["outbound_message_id"] == message.pk


def test_131047_window_closed_fails_at_once_with_meta_send_fail(tenant, meta, graph):
    graph.script(replies.window_closed())
    message = sent_once(queued(tenant, meta))
    assert message.status == Status.FAILED and message.last_error_code == "131047"
    assert "24 hours have passed" in message.last_error
    assert message.attempt_log.get().outcome == "permanent"
    assert SystemEvent.objects.get(code="META_SEND_FAIL").meta["provider_error_code"] == "131047"
    assert AuditEvent.objects.filter(action="outbound.failed", target_id=str(message.pk)).exists()


def test_131026_and_unknown_4xx_are_permanent(tenant, meta, graph):
    graph.script(replies.not_on_whatsapp(), replies.meta_error(400, 100, "(#100) Invalid parameter"))
    first, second = queued(tenant, meta, to="4915100000001"), queued(tenant, meta, to="4915100000002")
    assert [sent_once(m).status for m in (first, second)] == [Status.FAILED, Status.FAILED]
    assert [first.last_error_code, second.last_error_code] == ["131026", "100"]


def test_code_190_pauses_the_connection_once_and_fails_nothing(tenant, meta, graph):
    graph.script(replies.token_expired())
    first, second = queued(tenant, meta, to="4915100000001"), queued(tenant, meta, to="4915100000002")
    assert services.dispatch(first.pk) == "held"
    assert services.dispatch(second.pk) == "held"
    meta.refresh_from_db()
    assert meta.is_sending_paused and "access token" in meta.sending_paused_reason
    assert SystemEvent.objects.filter(code="META_TOKEN_EXPIRED").count() == 1
    for message in (first, second):
        message.refresh_from_db()
        assert message.status == Status.QUEUED and message.preflight_code == "CONNECTION_PAUSED"
        assert "paused" in message.reason
    assert len(graph.sent()) == 1  # the second message never left while paused
    assert OutboundAttempt.objects.get().outcome == "auth"
    assert not SystemEvent.objects.filter(code="META_SEND_FAIL").exists()


def test_resuming_after_a_new_token_sends_the_waiting_messages(
    tenant, meta, graph, staff, django_capture_on_commit_callbacks
):
    graph.script(replies.token_expired())
    message = queued(tenant, meta)
    services.dispatch(message.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.resume_sending(meta, actor=staff, reason="New permanent token installed") == 1
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert AuditEvent.objects.filter(action="connection.sending_resumed", actor=staff).exists()


def test_a_connection_without_a_token_pauses_instead_of_failing(tenant, meta, graph):
    from apps.integrations import services as integration_services

    integration_services.update_connection(meta, values={"access_token": ""})
    meta.refresh_from_db()
    message = queued(tenant, meta)
    assert services.dispatch(message.pk) == "held"
    message.refresh_from_db()
    assert message.status == Status.QUEUED and message.last_error_code == "no_access_token"
    assert graph.requests == []
