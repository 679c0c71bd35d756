"""Demo outbound messages for the demo tenants, one of each state an agent meets: a draft waiting
for approval, messages sent / delivered / read, one blocked because the contact sent STOP, one
held by the frequency cap and free text refused outside WhatsApp's 24-hour window.

The sent ones are moved along their states here (through `states.transition`, as a worker and
Meta's statuses would), so the demo has history without waiting for a send; new messages go out
to the local demo providers (`manage.py demo_providers`). Only creates what is missing."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.integrations.models import Connection
from apps.outbound import services, states
from apps.outbound.models import OutboundMessage, Status, Via
from apps.outbound.services import policies

TEMPLATE = {"name": "booking_confirmation", "language": "en_US", "parameters": ["Ada", "1 December"]}


def seed(out):
    if not OutboundMessage.objects.exists():
        _acme()
        _bella()
    out.write(f"outbound: {OutboundMessage.objects.count()} messages")
    return []


def _acme():
    meta = Connection.objects.get(tenant__slug="acme-hotels", provider="meta")
    tenant, now = meta.tenant, timezone.now()
    services.record_inbound(
        meta,
        "4915112345678",
        "Is late check-out possible?",
        received_at=now - timedelta(hours=2),
        contact_name="Ada Lovelace",
    )
    for step, (to, name) in enumerate([("4915112345678", "Ada Lovelace"), ("4917611122233", "Alan Turing")]):
        _delivered(
            services.create_message(
                tenant,
                channel="whatsapp_cloud",
                to=to,
                template=TEMPLATE,
                connection=meta,
                contact_name=name,
                created_by_label="demo",
                now=now - timedelta(minutes=61),
            ),
            now,
            read=step == 0,
        )
    services.create_message(
        tenant,
        channel="whatsapp_cloud",
        to="4915112345678",
        contact_name="Ada Lovelace",
        body="Late check-out until 14:00 is confirmed.",
        connection=meta,
        created_by_label="demo",
    )
    services.create_message(
        tenant,
        channel="whatsapp_cloud",
        to="4917699988877",
        contact_name="Edsger Dijkstra",
        body="Your room is ready.",
        connection=meta,
        approve=True,
        created_by_label="demo",
    )


def _bella():
    waha = Connection.objects.get(tenant__slug="bella-bistro", provider="waha")
    tenant = waha.tenant
    stopped = services.contact_policy(tenant, "waha", "393331234567", "Grace Hopper")
    services.opt_out(stopped, via=Via.KEYWORD, actor_label="contact", note="STOP")
    services.create_message(
        tenant,
        channel="waha",
        to="393331234567",
        body="This week's specials: truffle risotto.",
        kind="marketing",
        connection=waha,
        approve=True,
        created_by_label="demo",
    )
    capped = services.contact_policy(tenant, "waha", "393339876543", "Barbara Liskov")
    services.update_policy(
        capped, stop_on_reply=False, frequency_cap=1, frequency_window_s=86400, reason="demo: one message a day"
    )
    with transaction.atomic():
        policies.reserve(policies.locked_policy(tenant, "waha", "393339876543"), 86400, timezone.now())
    services.create_message(
        tenant,
        channel="waha",
        to="393339876543",
        body="Your table for 4 is booked for 20:00.",
        connection=waha,
        approve=True,
        created_by_label="demo",
    )


def _delivered(message, now, read=False):
    """Moves an approved demo message along the states a send and Meta's statuses would."""
    with transaction.atomic():
        steps = [Status.APPROVED, Status.QUEUED, Status.SENDING, Status.SENT, Status.DELIVERED]
        for minutes, status in enumerate(steps + ([Status.READ] if read else [])):
            extra = {"provider_message_id": f"wamid.demo{message.pk:06d}"} if status == Status.SENT else {}
            states.transition(message, status, now=now - timedelta(minutes=60 - minutes), **extra)
