"""Demo stakeholder communication: one confirmed status page subscriber (status@demo.test), so the
next public update of a public incident shows its e-mail in the console and in the admin."""

from django.utils import timezone

from apps.comms.models import Subscriber
from apps.comms.services import subscriptions

DEMO_EMAIL = "status@demo.test"


def seed(out):
    if not Subscriber.objects.filter(email=DEMO_EMAIL, state=Subscriber.State.CONFIRMED).exists():
        subscriber = subscriptions.subscribe(DEMO_EMAIL, ip="127.0.0.1")
        subscriptions.confirm(subscriptions.confirmation_token(subscriber), ip="127.0.0.1", now=timezone.now())
    out.write(f"comms: status page subscriber {DEMO_EMAIL} (confirmed)")
    return []
