"""While WhatsApp limits a WAHA number's messages to new contacts (reach-out timelock, message cap),
preflight holds a first message to a contact with no earlier conversation on that connection
(NEW_CONTACTS_PAUSED, with WhatsApp's "do not restart or re-pair"), lets conversations already
under way go on, in the single check and the batch alike, and lets all through once lifted."""

import pytest
from django.utils import timezone

from apps.integrations.models import Connection
from apps.integrations.waha import sessions
from apps.outbound import batch_preflight, preflight, services
from tests.integrations.factories import ConversationFactory
from tests.outbound.test_batch_preflight import assert_same_verdicts, draft

pytestmark = pytest.mark.django_db
KNOWN, NEW = "4915100000101", "4915100000102"


@pytest.fixture
def paused(waha):
    ConversationFactory(tenant=waha.tenant, connection=waha, channel="waha", contact_id=KNOWN)
    sessions.pause_new_contacts(waha, "reach-out timelock")
    return Connection.objects.get(pk=waha.pk)


def verdict(message):
    policy = services.contact_policy(message.tenant, message.channel, message.contact_id)
    return preflight.check(message, policy)


def test_a_new_contact_is_held_and_a_known_one_goes_on(tenant, paused):
    new, known = draft(tenant, paused, NEW), draft(tenant, paused, KNOWN)

    held = verdict(new)
    assert held.code == "NEW_CONTACTS_PAUSED" and not held.allowed
    assert "Do not restart or re-pair" in held.reason
    assert verdict(known).allowed


def test_the_batch_gives_the_same_verdicts(tenant, paused):
    messages = [draft(tenant, paused, NEW), draft(tenant, paused, KNOWN)]

    assert_same_verdicts(messages, {messages[0].pk: "NEW_CONTACTS_PAUSED", messages[1].pk: "OK"})
    loaded = batch_preflight.load(messages, timezone.now())
    assert batch_preflight.verdicts(messages, loaded)[messages[0].pk].code == "NEW_CONTACTS_PAUSED"


def test_lifting_the_pause_lets_new_contacts_through(tenant, paused):
    sessions.lift_new_contacts_pause(paused)

    assert verdict(draft(tenant, Connection.objects.get(pk=paused.pk), NEW)).allowed
