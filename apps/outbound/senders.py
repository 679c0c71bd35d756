"""Which client sends a message: WhatsApp Cloud through Meta's Graph API (text or template),
WAHA and Telegram as text."""

from apps.integrations.meta import client as meta
from apps.integrations.telegram import client as telegram
from apps.integrations.waha import client as waha
from apps.outbound.models import Channel


def send(message):
    connection = message.connection
    if message.channel == Channel.WHATSAPP_CLOUD:
        payload = (
            meta.template_payload(message.contact_id, message.template)
            if message.template
            else meta.text_payload(message.contact_id, message.body)
        )
        return meta.send(connection, payload)
    if message.channel == Channel.WAHA:
        return waha.send_text(connection, message.contact_id, message.body)
    return telegram.send_message(connection, message.contact_id, message.body)
