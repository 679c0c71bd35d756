from celery import shared_task

from apps.outbound import services


@shared_task(name="apps.outbound.tasks.dispatch_message")
def dispatch_message(message_id):
    """Runs the dispatcher of the message's connection, which sends it with the others that are due."""
    return services.dispatch_queued(message_id)


@shared_task(name="apps.outbound.tasks.dispatch_connection")
def dispatch_connection(connection_id):
    return services.drain(connection_id)
