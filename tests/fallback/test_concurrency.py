"""Two messages of one customer taken at the same moment by two workers: one conversation, one ticket
with both messages, one notice. The second worker's conversation insert waits on the first one's
unique index entry, is refused once the first commits, and appends to the first one's ticket."""

import threading
import time

import pytest
from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone

from apps.core import db_context
from apps.fallback import services as fallback
from apps.fallback.models import Conversation
from apps.integrations.models import Connection
from apps.integrations.signals import InboundMessage
from apps.outbound.models import OutboundMessage
from apps.tickets.models import Ticket
from tests.fallback.helpers import GUEST
from tests.integrations.factories import ConnectionFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def message(connection_id, wamid, text):
    connection = Connection.objects.select_related("tenant").get(pk=connection_id)
    return InboundMessage(connection, GUEST, text, timezone.now(), "Ada", wamid)


def test_two_workers_at_once_make_one_conversation_and_send_one_notice(tenant, staff):
    meta = ConnectionFactory(tenant=tenant, provider="meta", external_key="1065551234")
    fallback.turn_on(tenant, actor=staff, reason="Chatwoot down")
    first_took, second_started, errors = threading.Event(), threading.Event(), []

    def first():
        with db_context.platform_context(), transaction.atomic():
            fallback.take("whatsapp_cloud", message(meta.pk, "wamid.T1", "First"))
            first_took.set()
            second_started.wait(10)
            time.sleep(0.5)  # the second worker is now waiting on the unique index entry

    def second():
        first_took.wait(10)
        second_started.set()
        with db_context.platform_context(), transaction.atomic():
            fallback.take("whatsapp_cloud", message(meta.pk, "wamid.T2", "Second"))

    def run(target):
        try:
            target()
        except Exception as exc:  # reported below, with the thread's error
            errors.append(exc)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=run, args=(target,)) for target in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Conversation.objects.count() == 1 and Ticket.objects.count() == 1
    customer = Ticket.objects.get().messages.filter(author_kind="requester").order_by("created_at", "id")
    assert list(customer.values_list("body", flat=True)) == ["First", "Second"]
    assert OutboundMessage.objects.count() == 1
