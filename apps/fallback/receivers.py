"""Signals from the apps below, answered by the fallback services: customers' inbound messages
(apps.integrations.signals; a receiver of both the batch and the single signal ignores the batched
single calls) and agents' public replies (apps.tickets.signals)."""

from apps.fallback import services


def inbound_message(sender, batched=False, **kwargs):
    if batched:
        return 0
    from apps.integrations.signals import InboundMessage

    fields = {name: kwargs.get(name, "") for name in InboundMessage.__dataclass_fields__}
    return services.take(sender, InboundMessage(**fields))


def inbound_messages(sender, messages, **kwargs):
    return services.take_batch(sender, messages)


def public_reply_posted(sender, ticket, message, **kwargs):
    return services.on_public_reply(ticket, message)


def connect():
    from apps.integrations import signals
    from apps.tickets import signals as ticket_signals

    signals.inbound_message.connect(inbound_message, dispatch_uid="fallback.inbound_message")
    signals.inbound_messages.connect(inbound_messages, dispatch_uid="fallback.inbound_messages")
    ticket_signals.public_reply_posted.connect(public_reply_posted, dispatch_uid="fallback.public_reply_posted")
