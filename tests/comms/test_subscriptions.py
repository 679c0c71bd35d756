"""Subscribing on the public status page: double opt-in by a single-use e-mail link (stored only
hashed), normalised addresses, one-click unsubscribe, and rate limits that keep the form from
being a way to spam someone."""

import pytest
from django.core import mail

from apps.comms.models import Delivery, Subscriber
from apps.comms.services import outbox_mail, subscriptions
from tests.comms.conftest import link_in, sent_to

pytestmark = pytest.mark.django_db


def subscribe(client, email, ip="10.1.1.1"):
    return client.post("/status/subscribe/", {"email": email}, REMOTE_ADDR=ip)


def test_the_status_page_carries_the_subscribe_form(client):
    page = client.get("/status/")
    assert page.status_code == 200
    assert b'action="/status/subscribe/"' in page.content and b'name="email"' in page.content


def test_subscribing_sends_one_confirmation_and_nothing_else_until_confirmed(client, committed):
    with committed():
        answer = subscribe(client, "  Reader@Example.TEST ")
    assert answer.status_code == 302 and answer["Location"] == "/status/subscribe/?sent=1"
    assert "Check your inbox" in client.get(answer["Location"]).content.decode()

    subscriber = Subscriber.objects.get()
    assert (subscriber.email, subscriber.state) == ("reader@example.test", "pending")
    [message] = sent_to("reader@example.test")
    assert message.subject == "Confirm your status page subscription"
    token = link_in(message, "subscribe/confirm").rstrip("/").rsplit("/", 1)[1]
    assert token not in str(Delivery.objects.get().body) and subscriber.token_hash == subscriptions.token_hash(token)
    assert token not in (subscriber.token_hash, subscriber.token_nonce)


def test_the_link_confirms_on_a_button_press_and_only_once(client, committed):
    with committed():
        subscribe(client, "reader@example.test")
    link = link_in(mail.outbox[0], "subscribe/confirm")

    page = client.get(link)
    assert page.status_code == 200 and b"Confirm subscription" in page.content
    assert Subscriber.objects.get().state == "pending"  # a mail scanner fetching the link subscribes nobody

    done = client.post(link)
    assert done.status_code == 200 and b"You are subscribed" in done.content
    subscriber = Subscriber.objects.get()
    assert subscriber.state == "confirmed" and subscriber.confirmed_at is not None and subscriber.token_hash == ""

    again = client.post(link)
    assert again.status_code == 404 and b"not valid any more" in again.content


def test_an_expired_or_made_up_link_is_refused(client, committed):
    with committed():
        subscribe(client, "reader@example.test")
    Subscriber.objects.update(token_expires_at="2000-01-01T00:00:00Z")
    assert client.get(link_in(mail.outbox[0], "subscribe/confirm")).status_code == 404
    assert client.post("/status/subscribe/confirm/made-up/").status_code == 404
    assert Subscriber.objects.get().state == "pending"


def test_a_bad_address_is_a_form_error(client):
    answer = subscribe(client, "not an address")
    assert answer.status_code == 400 and b"Enter a valid e-mail address" in answer.content
    assert not Subscriber.objects.exists()


def test_a_confirmed_address_gets_no_new_mail_and_the_same_answer(client, confirmed_subscriber, committed):
    with committed():
        answer = subscribe(client, "READER@example.test")
    assert answer.status_code == 302 and not mail.outbox
    assert Subscriber.objects.get().state == "confirmed"


def test_rate_limited_per_address(client, committed):
    for n in range(subscriptions.MAX_PER_ADDRESS):
        with committed():
            assert subscribe(client, "victim@example.test", ip=f"10.2.0.{n}").status_code == 302
    refused = subscribe(client, "Victim@example.test", ip="10.2.1.1")
    assert refused.status_code == 429 and b"Too many subscription requests from this e-mail address" in refused.content
    assert 3500 < int(refused["Retry-After"]) <= 3600
    assert len(sent_to("victim@example.test")) == subscriptions.MAX_PER_ADDRESS


def test_rate_limited_per_network_address(client, committed):
    with committed():
        for n in range(subscriptions.MAX_PER_NETWORK):
            assert subscribe(client, f"person{n}@example.test", ip="10.3.3.3").status_code == 302
        refused = subscribe(client, "one-more@example.test", ip="10.3.3.3")
    assert refused.status_code == 429 and b"from your network" in refused.content
    assert not Subscriber.objects.filter(email="one-more@example.test").exists()


def test_unsubscribing_takes_one_click_and_no_login(client, confirmed_subscriber):
    link = "/status/unsubscribe/" + subscriptions.unsubscribe_token(confirmed_subscriber) + "/"
    answer = client.get(link)
    assert answer.status_code == 200 and b"is unsubscribed" in answer.content
    assert Subscriber.objects.get().state == "unsubscribed"
    assert client.post(link).status_code == 200  # mail clients' one-click POST; a second click changes nothing


def test_a_forged_unsubscribe_link_is_refused(client, confirmed_subscriber):
    assert client.get(f"/status/unsubscribe/{confirmed_subscriber.pk}:forged/").status_code == 404
    assert Subscriber.objects.get().state == "confirmed"


def test_a_confirmation_queued_before_the_address_confirmed_is_not_sent(client):
    subscriber = subscriptions.subscribe("reader@example.test")  # its e-mail is still queued
    subscriptions.confirm(subscriptions.confirmation_token(subscriber))
    delivery = Delivery.objects.get()
    assert outbox_mail.deliver(delivery.pk) == "skipped" and not mail.outbox
    delivery.refresh_from_db()
    assert delivery.error == "Not needed any more: the address is confirmed."
