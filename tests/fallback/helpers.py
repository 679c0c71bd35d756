"""Customers writing in, through the real inbound pipeline (stored event → handler → signals)."""

import time

from apps.fallback import services as fallback
from tests.integrations import signing
from tests.integrations.test_handlers import processed

GUEST = "4915112345678"


def turn_on(tenant, staff, reason="Chatwoot is down (INC-1)"):
    return fallback.turn_on(tenant, actor=staff, reason=reason)


def meta_message(connection, wamid, text, sender=GUEST, name="Ada"):
    payload = {
        "contacts": [{"wa_id": sender, "profile": {"name": name}}],
        "message": signing.meta_text(wamid, sender=sender, text=text),
    }
    return processed(connection, "message", payload, external_id=wamid)


def waha_message(connection, message_id, text, sender=GUEST, name="Grace"):
    payload = {
        "event": "message",
        "session": "default",
        "payload": {
            "id": message_id,
            "from": f"{sender}@c.us",
            "body": text,
            "timestamp": int(time.time()),
            "fromMe": False,
            "_data": {"notifyName": name},
        },
    }
    return processed(connection, "message", payload, external_id=message_id)


def telegram_message(connection, message_id, text, chat_id=4242):
    payload = {
        "update_id": message_id,
        "message": {
            "message_id": message_id,
            "date": int(time.time()),
            "text": text,
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "first_name": "Linus", "last_name": "T"},
        },
    }
    return processed(connection, "message", payload, external_id=f"tg-{message_id}")
