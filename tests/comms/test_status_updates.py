"""Done when: a status page subscriber who subscribes through the page and confirms by the e-mail
link then gets exactly the public updates and the resolution of a public incident — one e-mail
each, none for internal-only changes, none before confirmation, none after unsubscribing — and
never the incident's internals."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.comms.models import Announcement, Delivery
from apps.comms.services import announcements, outbox_mail, subscriptions
from apps.incidents import services
from apps.incidents.models import Status
from tests.comms.conftest import link_in, sent_to
from tests.incidents.factories import make_incident

pytestmark = pytest.mark.django_db
READER = "reader@example.test"


@pytest.fixture
def incident(staff, committed):
    """A platform-wide sev2 (public on the status page) with internals the public must not read."""
    with committed():
        return make_incident(staff, title="Meta token of acme-hotel expired", root_cause_hypothesis="Rotated key")


def post_update(incident, staff, committed, text):
    with committed():
        services.update_details(incident, actor=staff, public_update=text)


def test_a_subscriber_gets_exactly_the_public_updates_and_the_resolution(client, staff, incident, committed):
    with committed():
        client.post("/status/subscribe/", {"email": "Reader@Example.test"}, REMOTE_ADDR="10.9.9.9")
    post_update(incident, staff, committed, "Sending is delayed; we are on it.")
    assert sent_to(READER)[-1].subject.startswith("Confirm")  # nothing but the confirmation before confirming
    client.post(link_in(sent_to(READER)[0], "subscribe/confirm"))
    mail.outbox.clear()

    post_update(incident, staff, committed, "A fix is rolling out.")
    with committed():
        services.update_details(incident, actor=staff, root_cause_hypothesis="Token rotation job", impact="All sends")
        services.change_severity(incident, "sev1", actor=staff, reason="wider")
        services.add_note(incident, "internal note", actor=staff)
        services.change_status(incident, Status.MITIGATING, actor=staff)
    post_update(incident, staff, committed, "Messages are flowing again; we are watching.")
    with committed():
        services.change_status(incident, Status.RESOLVED, actor=staff, note="Rotated the token by hand")

    update_1, update_2, resolution = sent_to(READER)
    assert update_1.subject == "Partial outage: update (Detected)" and "A fix is rolling out." in update_1.body
    assert update_2.subject == "Major outage: update (Mitigating)" and "flowing again" in update_2.body
    assert resolution.subject == "Resolved: Major outage" and "resolved" in resolution.body
    for message in (update_1, update_2, resolution):
        for internal in ("acme-hotel", "Meta token", "Rotated", "Token rotation", "internal note", "All sends"):
            assert internal not in message.body and internal not in message.subject
        assert "UTC" in message.body and "/status/unsubscribe/" in message.body
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_none_after_unsubscribing(client, staff, incident, committed, confirmed_subscriber):
    post_update(incident, staff, committed, "First update.")
    client.get(link_in(sent_to(READER)[0], "unsubscribe"))
    post_update(incident, staff, committed, "Second update.")
    with committed():
        services.change_status(incident, Status.RESOLVED, actor=staff)
    assert [message.subject for message in sent_to(READER)] == ["Partial outage: update (Detected)"]


def test_an_unsubscribe_between_queueing_and_sending_sends_nothing(staff, incident, confirmed_subscriber):
    incident.public_update = "Queued before the click."
    announcement = announcements.public_update_changed(incident, timezone.now())
    announcements.fan_out(announcement.pk)  # the rows are queued; their tasks run after commit
    subscriptions.unsubscribe(subscriptions.unsubscribe_token(confirmed_subscriber))

    delivery = Delivery.objects.get(audience="subscriber")
    assert outbox_mail.deliver(delivery.pk) == "skipped"
    delivery.refresh_from_db()
    assert not sent_to(READER) and delivery.status == "skipped" and "unsubscribed" in delivery.error


def test_an_incident_of_one_tenant_and_a_cleared_update_tell_no_subscriber(
    staff, tenant, incident, committed, confirmed_subscriber
):
    with committed():
        own = make_incident(staff, severity="sev1", tenants=[tenant])  # one tenant's own: not on the page
        services.change_status(own, Status.RESOLVED, actor=staff)
    assert not sent_to(READER)

    post_update(incident, staff, committed, "Investigating.")
    post_update(incident, staff, committed, "")
    assert [message.body.count("Investigating.") for message in sent_to(READER)] == [1]


def test_fan_out_and_delivery_run_twice_send_once(staff, incident, committed, confirmed_subscriber):
    post_update(incident, staff, committed, "Once.")
    announcement = Announcement.objects.get(kind="updated")
    assert announcements.fan_out(announcement.pk) == 0
    delivery = Delivery.objects.get(audience="subscriber")
    assert outbox_mail.deliver(delivery.pk) == "skipped"
    assert len(sent_to(READER)) == 1


def test_a_subscriber_confirmed_after_an_update_does_not_get_it_late(staff, incident, committed):
    with committed():
        services.update_details(incident, actor=staff, public_update="Before you joined.")
    with committed():
        late = subscriptions.subscribe("late@example.test")
    subscriptions.confirm(subscriptions.confirmation_token(late), now=timezone.now() + timedelta(hours=1))
    Announcement.objects.update(fanned_out_at=None)
    announcements.fan_out(Announcement.objects.get(kind="updated").pk)
    assert not Delivery.objects.filter(audience="subscriber").exists()


def test_a_failed_send_is_recorded_and_retried_by_an_operator(
    staff, incident, committed, confirmed_subscriber, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    post_update(incident, staff, committed, "Will fail first.")
    delivery = Delivery.objects.get(audience="subscriber")
    assert delivery.status == "failed" and "ConnectionRefusedError" in delivery.error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with committed():
        outbox_mail.retry(delivery, actor=staff)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.error) == ("sent", 2, "")
    assert len(sent_to(READER)) == 1
