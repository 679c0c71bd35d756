from celery import shared_task

from apps.outbound import services


@shared_task(name="apps.outbound.tasks.dispatch_message")
def dispatch_message(message_id):
    return services.dispatch(message_id)
