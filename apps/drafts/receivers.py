"""The inbox's Chatwoot message signals, answered by the drafts services: a batch's payloads once
(`chatwoot_messages`), and single messages sent outside a batch."""

from apps.drafts import batch_services, services
from apps.integrations import signals


def chatwoot_message(sender, connection, payload, batched=False, **kwargs):
    """A message of a batch was handled by `chatwoot_messages` already."""
    return None if batched else services.on_chatwoot_message(connection, payload)


def chatwoot_messages(sender, connection, payloads, **kwargs):
    return batch_services.on_chatwoot_messages(connection, payloads)


def connect():
    signals.chatwoot_message.connect(chatwoot_message, dispatch_uid="drafts.chatwoot_message")
    signals.chatwoot_messages.connect(chatwoot_messages, dispatch_uid="drafts.chatwoot_messages")
