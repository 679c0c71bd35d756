"""The state machine: one function owns the moves; an illegal move raises and writes nothing, and
so does a move from a status the row no longer has."""

import pytest

from apps.outbound import services, states
from apps.outbound.models import OutboundMessage, Status
from tests.outbound.conftest import PHONE

pytestmark = pytest.mark.django_db
S = Status


@pytest.fixture
def draft(tenant, meta):
    return services.create_message(tenant, channel="whatsapp_cloud", to=PHONE, body="Hi")


@pytest.mark.parametrize(
    "current, target",
    [
        (S.DRAFT, S.APPROVED),
        (S.APPROVED, S.QUEUED),
        (S.QUEUED, S.SENDING),
        (S.SENDING, S.SENT),
        (S.SENT, S.DELIVERED),
        (S.DELIVERED, S.READ),
        (S.SENT, S.READ),
        (S.SENDING, S.QUEUED),
        (S.FAILED, S.QUEUED),
        (S.QUEUED, S.BLOCKED_OPT_OUT),
        (S.BLOCKED_OPT_OUT, S.QUEUED),
        (S.FREQUENCY_CAPPED, S.QUEUED),
        (S.BLOCKED_POLICY, S.CANCELED),
    ],
)
def test_allowed_moves(current, target):
    assert states.allowed(current, target)


@pytest.mark.parametrize(
    "current, target",
    [
        (S.DRAFT, S.QUEUED),
        (S.DRAFT, S.SENDING),
        (S.READ, S.DELIVERED),
        (S.DELIVERED, S.SENT),
        (S.SENT, S.QUEUED),
        (S.CANCELED, S.QUEUED),
        (S.READ, S.FAILED),
        (S.SENT, S.CANCELED),
        (S.DELIVERED, S.FAILED),
        (S.QUEUED, S.SENT),
    ],
)
def test_forbidden_moves(current, target):
    assert not states.allowed(current, target)


def test_an_illegal_move_raises_and_changes_nothing(draft):
    with pytest.raises(states.IllegalTransition, match="draft; it cannot become sent"):
        states.transition(draft, S.SENT, provider_message_id="wamid.X")
    row = OutboundMessage.objects.get(pk=draft.pk)
    assert (row.status, row.provider_message_id, row.sent_at) == (S.DRAFT, "", None)


def test_a_move_from_a_stale_status_raises_and_changes_nothing(draft):
    stale = OutboundMessage.objects.get(pk=draft.pk)
    states.transition(draft, S.CANCELED)
    with pytest.raises(states.IllegalTransition, match="changed meanwhile"):
        states.transition(stale, S.APPROVED)
    assert OutboundMessage.objects.get(pk=draft.pk).status == S.CANCELED


def test_each_move_stamps_its_time(draft):
    states.transition(draft, S.APPROVED)
    row = OutboundMessage.objects.get(pk=draft.pk)
    assert row.approved_at is not None and row.queued_at is None


def test_approving_a_canceled_message_is_a_409_refusal(draft):
    services.cancel(draft, reason="Wrong number")
    with pytest.raises(states.IllegalTransition) as refused:
        services.approve_message(draft)
    assert refused.value.status_code == 409


def test_old_attempts_are_purged_and_their_messages_kept(tenant, meta, graph):
    from datetime import timedelta

    from django.utils import timezone

    from apps.outbound.jobs import purge_attempts
    from apps.outbound.models import OutboundAttempt
    from tests.outbound.conftest import queued

    old, recent = queued(tenant, meta, to="4915100000001"), queued(tenant, meta, to="4915100000002")
    services.dispatch(old.pk)
    services.dispatch(recent.pk)
    OutboundAttempt.objects.filter(message=old).update(created_at=timezone.now() - timedelta(days=91))

    assert purge_attempts() == {"deleted": 1}
    assert list(OutboundAttempt.objects.values_list("message_id", flat=True)) == [recent.pk]
    assert OutboundMessage.objects.filter(pk=old.pk, status=Status.SENT).exists()
