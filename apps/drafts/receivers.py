"""The inbox's `chatwoot_message` signal, answered by the drafts services."""

from apps.drafts import services
from apps.integrations import signals


def chatwoot_message(sender, connection, payload, **kwargs):
    return services.on_chatwoot_message(connection, payload)


def connect():
    signals.chatwoot_message.connect(chatwoot_message, dispatch_uid="drafts.chatwoot_message")
