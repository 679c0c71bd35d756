"""When the broker missed a publish, the `comms.sweep` job makes up for it: fan-outs that never
ran are published again, e-mails left queued are sent (once), and a send whose worker was lost is
marked failed (outcome unknown) rather than sent twice."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.comms.models import Announcement, Delivery, Subscriber
from apps.comms.services import announcements, outbox_mail
from apps.jobs.registry import all_jobs
from tests.comms.conftest import sent_to
from tests.incidents.factories import make_incident

pytestmark = pytest.mark.django_db


def sweep():
    [job] = [job for job in all_jobs() if job.name == "comms.sweep"]
    return job.func()


def test_a_missed_fan_out_and_missed_sends_are_made_up_once(staff, confirmed_subscriber):
    incident = make_incident(staff)
    incident.public_update = "Queued while the broker was down."
    earlier = timezone.now() - timedelta(minutes=5)
    Subscriber.objects.filter(pk=confirmed_subscriber.pk).update(confirmed_at=earlier - timedelta(hours=1))
    announcements.public_update_changed(incident, earlier)  # its after-commit publish never happens here
    assert Announcement.objects.get(kind="updated").fanned_out_at is None

    assert sweep()["fan_outs"] == 1
    delivery = Delivery.objects.get(audience="subscriber")
    assert delivery.status == "queued" and not sent_to("reader@example.test")

    Delivery.objects.filter(pk=delivery.pk).update(created_at=earlier)
    assert sweep()["requeued"] == 1
    assert len(sent_to("reader@example.test")) == 1
    assert sweep() == {"requeued": 0, "fan_outs": 0, "attempts_purged": 0}


def test_a_send_whose_worker_was_lost_is_failed_not_resent(staff):
    stuck = Delivery.objects.create(
        audience="summary",
        recipient="boss@ops.test",
        subject="s",
        body="b",
        status="sending",
        claimed_at=timezone.now() - timedelta(hours=1),
    )
    sweep()
    stuck.refresh_from_db()
    assert stuck.status == "failed" and stuck.error == outbox_mail.OUTCOME_UNKNOWN
