"""Demo tickets across every status for the demo tenants, one about to breach its SLA, and the
macros agents use. Only creates what is missing (tickets are recognised by subject).

No target is missed while the demo starts: the urgent ticket's next response is due 55 minutes
after seeding (answer it, or watch the SLA alert rule open an incident when it is missed)."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.tenants.models import Plan
from apps.tickets import services
from apps.tickets.models import Macro, SlaPolicy, Status, Ticket

MACROS = [
    (
        "Acknowledge",
        "public",
        "",
        "Hi {requester_name},\n\nthanks for reporting this. We are looking into ticket #{ticket_id} for {tenant_name} "
        "and will update you within the hour.\n\n{agent_name}",
    ),
    (
        "WhatsApp token refreshed",
        "public",
        "solved",
        "Hi {requester_name},\n\nthe WhatsApp access token of {tenant_name} had expired; we refreshed it and "
        "messages are going out again. Reply here if anything still fails.\n\n{agent_name}",
    ),
    (
        "Need the failing message id",
        "public",
        "pending",
        "Hi {requester_name},\n\ncould you send us the id or time of one message that failed? It lets us find it "
        "in our logs for {tenant_name}.\n\n{agent_name}",
    ),
    ("Escalate to on-call", "internal", "open", "Escalated to on-call by {agent_name}: see correlated events."),
]

# tenant, subject, priority, requester email, minutes ago, what happened since
TICKETS = [
    ("acme-hotels", "Guests get no WhatsApp confirmations", "urgent", "owner@acme.example", 75, "breaching"),
    ("acme-hotels", "Reservations from the PMS are two hours late", "high", "agent@acme.example", 300, "replied"),
    ("acme-hotels", "Invoice address change", "low", "owner@acme.example", 3 * 24 * 60, "solved"),
    ("bella-bistro", "n8n booking flow times out", "normal", "owner@bella.example", 90, "customer_again"),
    ("bella-bistro", "How do I add a second number?", "low", "agent@bella.example", 9 * 24 * 60, "closed"),
    ("coral-clinic", "Monthly message limit reached already", "high", "owner@coral.example", 20, "new"),
]


PRO_URGENT = {
    "first_response_minutes": 60,
    "next_response_minutes": 120,
    "resolution_minutes": 480,
    "business_hours": False,
    "business_weekdays": [0, 1, 2, 3, 4, 5, 6],
}


def seed(out):
    agent = get_user_model().objects.filter(username="agent").first()
    pro = Plan.objects.filter(name="Pro").first()
    if pro is not None:
        SlaPolicy.objects.get_or_create(plan=pro, priority="urgent", defaults=PRO_URGENT)
    created_macros = sum(_macro(*row) for row in MACROS)
    made = [_ticket(agent, *row) for row in TICKETS]
    out.write(f"tickets: {sum(made)} demo tickets, {created_macros} macros")
    return []


def _macro(name, visibility, status, body):
    _, created = Macro.objects.get_or_create(
        name=name, defaults={"visibility": visibility, "set_status": status, "body": body}
    )
    return created


def _ticket(agent, slug, subject, priority, email, minutes_ago, story):
    from apps.tenants.models import Membership

    membership = Membership.objects.filter(tenant__slug=slug, user__username=email).select_related("tenant").first()
    if membership is None or agent is None or Ticket.objects.filter(tenant=membership.tenant, subject=subject).exists():
        return False
    opened = timezone.now() - timedelta(minutes=minutes_ago)
    ticket = services.create_ticket(
        membership.tenant,
        subject=subject,
        priority=priority,
        requester=membership.user,
        body=f"{subject}. Can you please check?",
        now=opened,
    )
    STORIES[story](ticket, agent, opened)
    return True


def _breaching(ticket, agent, opened):
    """Acme's Pro plan answers urgent tickets around the clock (PRO_URGENT): first response met,
    the customer wrote again 65 minutes ago, so the next response is due within the hour (in the
    breaching-soon queue) whatever the time the demo is seeded."""
    services.assign(ticket, agent, actor=agent)
    services.reply(
        ticket,
        "We are checking the WhatsApp connection now.",
        actor=agent,
        status=Status.OPEN,
        now=opened + timedelta(minutes=4),
    )
    services.add_note(
        ticket,
        "Meta returns 190 for this number; token probably expired.",
        actor=agent,
        now=opened + timedelta(minutes=6),
    )
    services.customer_reply(
        ticket,
        "Still nothing arrives, guests are calling the front desk.",
        author=ticket.requester_user,
        now=opened + timedelta(minutes=10),
    )


def _replied(ticket, agent, opened):
    services.assign(ticket, agent, actor=agent)
    services.reply(
        ticket,
        "We see PMS webhooks timing out on our side and are retrying them.",
        actor=agent,
        now=opened + timedelta(minutes=30),
    )


def _solved(ticket, agent, opened):
    services.reply(
        ticket,
        "Done: the invoice address is updated.",
        actor=agent,
        status=Status.SOLVED,
        now=opened + timedelta(hours=2),
    )


def _customer_again(ticket, agent, opened):
    services.reply(
        ticket, "Could you send the time of one failed booking?", actor=agent, now=opened + timedelta(minutes=20)
    )
    services.customer_reply(
        ticket, "Today 12:04, table for four.", author=ticket.requester_user, now=opened + timedelta(minutes=60)
    )


def _closed(ticket, agent, opened):
    services.reply(
        ticket,
        "Add it under Connections → WhatsApp → Add number.",
        actor=agent,
        status=Status.SOLVED,
        now=opened + timedelta(hours=1),
    )
    services.change_status(ticket, Status.CLOSED, actor=None, now=opened + timedelta(days=5))


STORIES = {
    "breaching": _breaching,
    "replied": _replied,
    "solved": _solved,
    "customer_again": _customer_again,
    "closed": _closed,
    "new": lambda ticket, agent, opened: None,
}
