"""The lower layers' signals, answered by knowledge services."""

from apps.health import signals as health_signals
from apps.integrations import signals
from apps.knowledge import feed, sync


def chatwoot_message(sender, connection, payload, **kwargs):
    return feed.store_webhook_message(connection, payload)


def connection_problems(sender, connection, **kwargs):
    return sync.problems(connection) if connection.provider == "chatwoot" else []


def connect():
    signals.chatwoot_message.connect(chatwoot_message, dispatch_uid="knowledge.chatwoot_message")
    health_signals.connection_problems.connect(connection_problems, dispatch_uid="knowledge.connection_problems")
