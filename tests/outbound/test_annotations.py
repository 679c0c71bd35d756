"""Writes on outbound messages that are not a status change go through `states.annotate` or its
bulk variant `states.annotate_many`; neither can move a status past `states.transition`."""

import pytest

from apps.outbound import services, states
from apps.outbound.models import OutboundMessage, Status
from tests.outbound.conftest import queued

pytestmark = pytest.mark.django_db


def test_annotate_refuses_to_change_the_status(tenant, meta):
    message = queued(tenant, meta)
    with pytest.raises(states.IllegalTransition, match="only through states.transition"):
        states.annotate(message, status=Status.SENT)
    assert OutboundMessage.objects.get(pk=message.pk).status == Status.QUEUED


def test_annotate_many_writes_only_messages_still_in_the_status(tenant, meta):
    waiting, moved = queued(tenant, meta, to="4915100000001"), queued(tenant, meta, to="4915100000002")
    states.transition(moved, Status.SENDING)
    written = states.annotate_many([waiting.pk, moved.pk], status=Status.QUEUED, preflight_code="held")
    assert written == 1
    assert dict(OutboundMessage.objects.values_list("pk", "preflight_code")) == {waiting.pk: "held", moved.pk: "OK"}


def test_resuming_a_connection_clears_the_hold_on_its_queued_messages_only(tenant, meta, staff):
    waiting, sending = queued(tenant, meta, to="4915100000001"), queued(tenant, meta, to="4915100000002")
    states.transition(sending, Status.SENDING)
    services.pause_sending(meta, actor=staff, reason="token rotation")
    OutboundMessage.objects.update(preflight_code="connection_paused", preflight_reason="paused")
    assert services.resume_sending(meta, actor=staff, reason="token replaced") == 1
    rows = {row.pk: row for row in OutboundMessage.objects.all()}
    assert rows[sending.pk].preflight_code == "connection_paused"
    assert rows[waiting.pk].preflight_code != "connection_paused"
