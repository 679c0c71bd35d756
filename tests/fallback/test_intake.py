"""While manual mode is on, customers' WhatsApp (Meta, WAHA) and Telegram messages become one ticket
per conversation with every message, and the customer gets one notice; while it is off, nothing."""

import pytest

from apps.fallback.models import Conversation, CustomerMessage
from apps.fallback.services import notice
from apps.outbound.models import OutboundMessage
from apps.tickets import services as tickets
from apps.tickets.models import Channel, Status, Ticket, TicketMessage
from tests.fallback.helpers import GUEST, meta_message, telegram_message, turn_on, waha_message
from tests.integrations import signing
from tests.integrations.factories import ConnectionFactory
from tests.integrations.test_handlers import processed

pytestmark = pytest.mark.django_db


@pytest.fixture
def meta(tenant):
    return ConnectionFactory(tenant=tenant, provider="meta", external_key="1065551234")


@pytest.fixture
def waha(tenant):
    return ConnectionFactory(tenant=tenant, provider="waha")


@pytest.fixture
def telegram(tenant):
    return ConnectionFactory(tenant=tenant, provider="telegram")


def customer_bodies(ticket):
    return list(
        ticket.messages.filter(author_kind=TicketMessage.AuthorKind.REQUESTER)
        .order_by("created_at", "id")
        .values_list("body", flat=True)
    )


def test_while_off_messages_make_no_ticket(meta):
    meta_message(meta, "wamid.OFF1", "Hello?")
    assert not Ticket.objects.exists() and not Conversation.objects.exists()


def test_meta_messages_become_one_ticket_with_both_and_one_notice(tenant, staff, meta):
    turn_on(tenant, staff)
    meta_message(meta, "wamid.M1", "Is breakfast included?")
    meta_message(meta, "wamid.M2", "And parking?")

    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.requester_phone, ticket.requester_name) == (Channel.WHATSAPP, GUEST, "Ada")
    assert customer_bodies(ticket) == ["Is breakfast included?", "And parking?"]
    assert list(ticket.tags.values_list("name", flat=True)) == ["manual-mode"]
    assert ticket.first_response_due_at is not None  # the SLA clock runs as on any ticket
    conversation = Conversation.objects.get()
    notices = OutboundMessage.objects.filter(contact_id=GUEST)
    assert notices.count() == 1 and conversation.notice == notices.get()
    assert notices.get().body == notice.STANDARD
    assert notices.get().status == "queued"


def test_a_redelivered_message_is_taken_once(tenant, staff, meta):
    turn_on(tenant, staff)
    meta_message(meta, "wamid.R1", "Hello")
    processed(meta, "message", {"message": signing.meta_text("wamid.R1", text="Hello")}, external_id="again")
    assert customer_bodies(Ticket.objects.get()) == ["Hello"]
    assert CustomerMessage.objects.count() == 1


def test_waha_messages_become_a_ticket(tenant, staff, waha):
    turn_on(tenant, staff)
    waha_message(waha, "true_4915112345678@c.us_A1", "Can I check in early?")
    waha_message(waha, "true_4915112345678@c.us_A2", "Around 10?")

    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.WHATSAPP and ticket.requester_name == "Grace"
    assert customer_bodies(ticket) == ["Can I check in early?", "Around 10?"]
    assert Conversation.objects.get().channel == "waha"
    assert OutboundMessage.objects.filter(channel="waha").count() == 1


def test_telegram_messages_become_a_ticket(tenant, staff, telegram):
    turn_on(tenant, staff)
    telegram_message(telegram, 11, "Hi from Telegram")

    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.requester_name) == (Channel.TELEGRAM, "Linus T")
    assert customer_bodies(ticket) == ["Hi from Telegram"]
    assert OutboundMessage.objects.get().contact_id == "4242"


def test_two_customers_two_tickets(tenant, staff, meta):
    turn_on(tenant, staff)
    meta_message(meta, "wamid.C1", "One", sender="4915111111111", name="One")
    meta_message(meta, "wamid.C2", "Two", sender="4915122222222", name="Two")
    assert Ticket.objects.count() == 2 and OutboundMessage.objects.count() == 2


def test_a_closed_ticket_ends_the_conversation_and_the_next_message_opens_another(tenant, staff, meta):
    turn_on(tenant, staff)
    meta_message(meta, "wamid.X1", "First")
    first = Ticket.objects.get()
    tickets.change_status(first, Status.SOLVED, actor=staff)
    tickets.change_status(first, Status.CLOSED, actor=staff)

    meta_message(meta, "wamid.X2", "Again")

    assert Ticket.objects.count() == 2
    assert Conversation.objects.get(ticket=first).state == Conversation.State.ENDED
    assert customer_bodies(Ticket.objects.exclude(pk=first.pk).get()) == ["Again"]


def test_the_notice_is_the_tenants_own_text_and_names_the_fallback_email(tenant, staff, meta):
    tenant.manual_mode_notice = "Our bot is resting; a human answers today."
    tenant.fallback_email = "help@alpha.test"
    tenant.save()
    turn_on(tenant, staff)
    meta_message(meta, "wamid.N1", "Hello")
    body = OutboundMessage.objects.get().body
    assert body == "Our bot is resting; a human answers today. You can also write to us at help@alpha.test."


def test_an_opted_out_customer_gets_no_notice_and_the_ticket_says_so(tenant, staff, meta):
    from apps.outbound.services import contact_policy

    policy = contact_policy(tenant, "whatsapp_cloud", GUEST)
    policy.opted_out = True
    policy.save()
    turn_on(tenant, staff)
    meta_message(meta, "wamid.O1", "Hello")

    assert OutboundMessage.objects.get().status == "blocked_opt_out"
    notes = Ticket.objects.get().messages.filter(visibility="internal")
    assert "notice was not sent" in notes.get().body


def test_a_batch_of_meta_messages_makes_one_ticket_per_customer_and_one_notice_each(tenant, other_tenant, staff, meta):
    from tests.outbound.test_inbound_batches import meta_event, process_together

    theirs = ConnectionFactory(tenant=other_tenant, provider="meta", external_key="2065551234")
    turn_on(tenant, staff)
    events = [
        meta_event(meta, "wamid.B1", text="Hi"),
        meta_event(meta, "wamid.B2", sender="4915100000077", text="Hallo", name="Bea"),
        meta_event(meta, "wamid.B3", text="Are you open?"),
        meta_event(theirs, "wamid.B4", text="Not in manual mode"),
    ]

    assert process_together(events) == ["processed"] * 4

    assert Ticket.objects.filter(tenant=tenant).count() == 2 and not Ticket.objects.filter(tenant=other_tenant)
    ada = Conversation.objects.get(contact_id=GUEST)
    assert customer_bodies(ada.ticket) == ["Hi", "Are you open?"]
    assert OutboundMessage.objects.filter(tenant=tenant).count() == 2


def test_the_admin_lists_the_conversations_readably(client, tenant, staff, meta):
    turn_on(tenant, staff)
    meta_message(meta, "wamid.AD1", "Hello")
    conversation = Conversation.objects.get()
    client.force_login(staff)

    listing = client.get("/admin/fallback/conversation/?state__exact=open").content.decode()
    page = client.get(f"/admin/fallback/conversation/{conversation.pk}/change/").content.decode()

    assert "Ada (4915112345678)" in listing and "WhatsApp Cloud API" in listing and "UTC" in listing
    assert f"#{conversation.ticket_id}" in page and "Queued" in page
