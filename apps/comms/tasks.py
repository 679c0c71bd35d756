from celery import shared_task

from apps.comms.services import announcements, outbox_mail


@shared_task(name="apps.comms.tasks.send_delivery")
def send_delivery(delivery_id):
    return outbox_mail.deliver(delivery_id)


@shared_task(name="apps.comms.tasks.fan_out")
def fan_out(announcement_id):
    return announcements.fan_out(announcement_id)
