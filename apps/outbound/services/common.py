"""Helpers the outbound services share: who acted, locking a message, handing ids to Celery after
commit, and the event code of a provider's send failure."""

from django.db import transaction

from apps.core.tasks import publish
from apps.outbound.models import Channel, OutboundMessage

SEND_FAIL_CODE = {
    Channel.WHATSAPP_CLOUD: "META_SEND_FAIL",
    Channel.WAHA: "WAHA_SEND_FAIL",
    Channel.TELEGRAM: "TELEGRAM_SEND_FAIL",
}


def who(actor, label="") -> tuple:
    """(user to store, label to show). API keys and the system have no user row, only a label."""
    user = actor if actor is not None and getattr(actor, "pk", None) is not None else None
    if label:
        return user, label
    return user, actor.get_username() if actor is not None else "system"


def locked(message) -> OutboundMessage:
    message_id = getattr(message, "pk", message)
    return (
        OutboundMessage.objects.select_for_update(of=("self",))
        .select_related("tenant__plan", "connection")
        .get(pk=message_id)
    )


def enqueue(message_ids, countdown: float = 0.0) -> None:
    """After commit, hands the messages to the dispatch task. A broker that is down only delays
    them: the `outbound.process_due` job finds every queued message that is due."""
    ids = list(message_ids)
    if ids:
        transaction.on_commit(lambda: _publish(ids, countdown))


def _publish(ids, countdown):
    from apps.outbound import tasks
    from config.celery import app

    if countdown > 0 and app.conf.task_always_eager:
        return  # run inline, the delay would be lost; process_due sends it when it is due
    for message_id in ids:
        if not publish(tasks.dispatch_message, message_id, countdown=countdown or None):
            return


def enqueue_connection(connection_id, countdown: float = 0.0) -> None:
    """After commit, hands the connection's dispatcher a run (see services.dispatcher)."""
    transaction.on_commit(lambda: _publish_connection(connection_id, countdown))


def _publish_connection(connection_id, countdown):
    from apps.outbound import tasks
    from config.celery import app

    if app.conf.task_always_eager:
        return  # would run inline, again and again; process_due hands it on
    publish(tasks.dispatch_connection, connection_id, countdown=countdown or None)
