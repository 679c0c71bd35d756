from celery import shared_task

from apps.incidents import notifications


@shared_task(name="apps.incidents.tasks.send_incident_notification")
def send_incident_notification(notification_id):
    return notifications.deliver(notification_id)
