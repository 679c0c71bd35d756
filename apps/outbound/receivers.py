"""The inbound pipeline's signals (apps.integrations.signals), answered by outbound services."""

from apps.core.errors import ServiceError
from apps.events import emit
from apps.outbound import services
from apps.outbound.models import Source


def inbound_message(sender, connection, contact_id, text, received_at, contact_name="", batched=False, **kwargs):
    """A message of a batch was recorded by `inbound_messages` already."""
    if batched:
        return None
    return services.record_inbound(connection, contact_id, text, received_at=received_at, contact_name=contact_name)


def inbound_messages(sender, messages, **kwargs):
    return services.record_inbound_batch(messages)


def delivery_status(
    sender, connection, provider_message_id, status, error_code=None, error_title=None, occurred_at=None, **kwargs
):
    return services.apply_delivery_status(
        connection, provider_message_id, status, error_code=error_code, error_title=error_title, occurred_at=occurred_at
    )


def automation_reply(sender, run, tenant, channel, to, body, connection=None, **kwargs):
    """A workflow's or AI bot's reply goes out through the pipeline like any message, preflight
    included, in as many messages as its length needs. A reply that cannot be a message (a channel
    Opsdesk does not send on) is an event, not a retry loop; the ServiceError is raised on so the
    run can say why its reply was not sent."""
    try:
        return services.create_parts(
            tenant,
            channel=channel,
            to=to,
            body=body,
            connection=connection,
            approve=True,
            source=Source.AUTOMATION,
            created_by_label=f"automation run {run.pk}",
            automation_run=run,
        )
    except ServiceError as exc:
        emit(
            "OUTBOUND_BLOCKED",
            tenant=tenant,
            source="outbound.automation",
            automation_run=run,
            message=f"The reply of automation run {run.pk} was not sent: {exc.message}",
            meta={"refusal": exc.code},
        )
        raise


def connect():
    from apps.integrations import signals

    signals.inbound_message.connect(inbound_message, dispatch_uid="outbound.inbound_message")
    signals.inbound_messages.connect(inbound_messages, dispatch_uid="outbound.inbound_messages")
    signals.delivery_status.connect(delivery_status, dispatch_uid="outbound.delivery_status")
    signals.automation_reply.connect(automation_reply, dispatch_uid="outbound.automation_reply")
