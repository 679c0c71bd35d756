"""Comms fixtures: e-mail into Django's local outbox, a managers' list for the summary, and a way
to run what the lifecycle does after commit (signals, then the tasks they publish, eagerly)."""

import re

import pytest
from django.core import mail

from apps.comms.models import Subscriber
from apps.comms.services import subscriptions

MANAGERS = ["boss@ops.test", "cto@ops.test"]


@pytest.fixture(autouse=True)
def _mail_and_managers(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.INCIDENT_SUMMARY_RECIPIENTS = list(MANAGERS)
    settings.SLACK_WEBHOOK_URL = ""


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs the on-commit work (signals, their tasks) as production would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def sent_to(address):
    return [message for message in mail.outbox if address in message.to]


def link_in(message, name):
    match = re.search(rf"https?://[^\s]+/status/{name}/[^\s]+/", message.body)
    assert match, f"no {name} link in: {message.body}"
    return match.group(0).split("://", 1)[1].split("/", 1)[1].join(["/", ""])


@pytest.fixture
def confirmed_subscriber(db, committed):
    with committed():
        subscriber = subscriptions.subscribe("reader@example.test", ip="10.0.0.9")
    subscriptions.confirm(subscriptions.confirmation_token(subscriber))
    mail.outbox.clear()
    return Subscriber.objects.get(pk=subscriber.pk)
