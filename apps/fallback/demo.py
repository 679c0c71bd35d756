"""Demo: Acme Hotels was in fallback manual mode while its Chatwoot was down. A guest's two WhatsApp
messages became one ticket (the guest got the notice), an agent answered from the ticket console,
and turning manual mode off handed the conversation back with a note. Only made once."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.fallback import services
from apps.fallback.models import Conversation
from apps.integrations.models import Connection
from apps.integrations.signals import InboundMessage
from apps.outbound import services as outbound
from apps.tenants.models import Tenant
from apps.tickets import services as tickets

GUEST, NAME = "4915199887766", "Marta Weber"
MESSAGES = [
    ("wamid.DEMO-MANUAL-1", "Hello, we arrive tonight around 23:00. Is the reception still open?", 95),
    ("wamid.DEMO-MANUAL-2", "And can we park the car at the hotel?", 93),
]
REPLY = "Good evening Marta, the night desk is open until 2:00 and the garage is free for guests. See you tonight!"


def seed(out):
    tenant = Tenant.objects.filter(slug="acme-hotels").first()
    connection = Connection.objects.filter(tenant=tenant, provider="meta").select_related("tenant").first()
    if tenant is None or connection is None or Conversation.objects.filter(tenant=tenant).exists():
        return []
    services.turn_on(tenant, actor=None, reason="Demo: Chatwoot was down, support answered by hand")
    connection.tenant.refresh_from_db()
    for wamid, text, minutes_ago in MESSAGES:
        _guest_writes(connection, wamid, text, timezone.now() - timedelta(minutes=minutes_ago))
    conversation = Conversation.objects.get(tenant=tenant)
    agent = get_user_model().objects.filter(is_staff=True).order_by("pk").first()
    if agent is not None:
        tickets.reply(conversation.ticket, REPLY, actor=agent)
    services.turn_off(tenant, actor=None, reason="Demo: Chatwoot recovered")
    out.write(f"fallback: Acme Hotels' manual-mode conversation is ticket #{conversation.ticket_id} (handed back)")
    return []


def _guest_writes(connection, wamid, text, at):
    """What the Meta webhook's processing does with a message: outbound policy first, then the intake."""
    outbound.record_inbound(connection, GUEST, text, received_at=at, contact_name=NAME)
    services.take("whatsapp_cloud", InboundMessage(connection, GUEST, text, at, NAME, wamid))
