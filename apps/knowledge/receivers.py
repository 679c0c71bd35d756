"""The lower layers' signals, answered by knowledge services."""

from apps.health import signals as health_signals
from apps.integrations import signals
from apps.knowledge import feed, sync


def chatwoot_message(sender, connection, payload, batched=False, **kwargs):
    """A message of a batch was stored by `chatwoot_messages` already."""
    return None if batched else feed.store_webhook_message(connection, payload)


def chatwoot_messages(sender, connection, payloads, **kwargs):
    return feed.store_webhook_messages(connection, payloads)


def connection_problems(sender, connection, **kwargs):
    return sync.problems(connection) if connection.provider == "chatwoot" else []


def connect():
    signals.chatwoot_message.connect(chatwoot_message, dispatch_uid="knowledge.chatwoot_message")
    signals.chatwoot_messages.connect(chatwoot_messages, dispatch_uid="knowledge.chatwoot_messages")
    health_signals.connection_problems.connect(connection_problems, dispatch_uid="knowledge.connection_problems")
