from celery import shared_task

from apps.tickets import notifications


@shared_task(name="apps.tickets.tasks.send_ticket_notification")
def send_ticket_notification(notification_id):
    return notifications.deliver(notification_id)
