"""The lower layers' signals, answered by knowledge services."""

from apps.integrations import signals
from apps.knowledge import feed


def chatwoot_message(sender, connection, payload, **kwargs):
    return feed.store_webhook_message(connection, payload)


def connect():
    signals.chatwoot_message.connect(chatwoot_message, dispatch_uid="knowledge.chatwoot_message")
