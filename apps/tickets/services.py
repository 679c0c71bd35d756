"""Every change of state of a ticket. Views, admin pages, the API, tasks and other apps call
these; each locks the ticket, applies the status rules and the SLA clock, writes the message,
queues the emails it causes and audits what is sensitive, in one transaction.

Status rules: an agent's public reply moves a new or open ticket to pending (waiting on the
customer) unless the agent picks another status; a customer's reply reopens a pending or solved
ticket; solved tickets close by themselves after TICKET_AUTOCLOSE_DAYS (`close_solved_tickets`)."""
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone

from apps.core import context
from apps.core.errors import PermissionRefused, ServiceError
from apps.events import audit
from apps.events.models import SystemEvent
from apps.tenants.models import Membership
from apps.tickets import macros, notifications, sla
from apps.tickets.models import (
    PAUSED_STATUSES, Channel, Priority, Status, Tag, Ticket, TicketMessage,
)

MAX_BODY = 20000
MAX_EVENTS_PER_LINK = 200
TRANSITIONS = {
    Status.NEW: {Status.OPEN, Status.PENDING, Status.SOLVED, Status.CLOSED},
    Status.OPEN: {Status.PENDING, Status.SOLVED, Status.CLOSED},
    Status.PENDING: {Status.OPEN, Status.SOLVED, Status.CLOSED},
    Status.SOLVED: {Status.OPEN, Status.CLOSED},
    Status.CLOSED: set(),
}
Visibility, AuthorKind = TicketMessage.Visibility, TicketMessage.AuthorKind


# --- creating ------------------------------------------------------------------------------

def create_ticket(tenant, *, subject, body, priority=Priority.NORMAL, channel=Channel.PORTAL, requester=None,
                  requester_name="", requester_email="", requester_phone="", tags=(), now=None) -> Ticket:
    """Opens a ticket with the customer's first message. `requester` is a member of the tenant;
    without one, give an external contact (name, email or phone). Other parts of Opsdesk call
    this to open tickets for a tenant."""
    now = now or timezone.now()
    subject = _clean_text(subject, "subject", 300)
    body = _clean_body(body)
    _check_choice(priority, Priority, "priority")
    _check_choice(channel, Channel, "channel")
    contact = _clean_contact(tenant, requester, requester_name, requester_email, requester_phone)
    with transaction.atomic():
        ticket = Ticket(tenant=tenant, subject=subject, priority=priority, channel=channel, status=Status.NEW,
                        requester_user=requester, created_at=now, last_activity_at=now,
                        correlation_id=context.current_correlation_id() or "", **contact)
        sla.start(ticket)
        ticket.save()
        if tags:
            ticket.tags.set(_tags(tags))
        _message(ticket, Visibility.PUBLIC, _customer_kind(requester), requester, body, now,
                 author_name=ticket.requester_label)
    return ticket


def _clean_contact(tenant, requester, name, email, phone) -> dict:
    if requester is not None and not Membership.objects.for_tenant(tenant).filter(user=requester).exists():
        raise ServiceError(f"{requester} is not a member of {tenant.name}.", "requester_not_member")
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ServiceError(f"requester_email: {email!r} is not an email address.", "invalid_requester_email") from None
    contact = {"requester_name": (name or "").strip()[:200], "requester_email": email,
               "requester_phone": (phone or "").strip()[:40]}
    if requester is None and not any(contact.values()):
        raise ServiceError("requester: give a tenant member, or a contact's name, email or phone.",
                           "requester_required")
    return contact


# --- the conversation ----------------------------------------------------------------------

def reply(ticket, body, *, actor, status=None, now=None) -> TicketMessage:
    """An agent's public reply. Without `status`, a new or open ticket becomes pending."""
    _require_agent(actor)
    now = now or timezone.now()
    body = _clean_body(body)
    with transaction.atomic():
        ticket = _locked(ticket)
        _refuse_closed(ticket)
        target = status or (Status.PENDING if ticket.status in (Status.NEW, Status.OPEN) else None)
        sla.responded(ticket, now)
        if target and target != ticket.status:
            _move(ticket, target, actor=actor, now=now, notify=False)
        message = _message(ticket, Visibility.PUBLIC, AuthorKind.AGENT, actor, body, now)
        _save(ticket, now)
        notifications.public_reply(ticket, message)
    return message


def add_note(ticket, body, *, actor, now=None) -> TicketMessage:
    """An internal note: agents only, never shown to the tenant, changes no status or SLA."""
    _require_agent(actor)
    now = now or timezone.now()
    body = _clean_body(body)
    with transaction.atomic():
        ticket = _locked(ticket)
        message = _message(ticket, Visibility.INTERNAL, AuthorKind.AGENT, actor, body, now)
        _save(ticket, now)
    return message


def customer_reply(ticket, body, *, author=None, author_name="", now=None) -> TicketMessage:
    """A reply from the tenant's side (a member, the external requester, or the tenant's API key).
    Reopens a pending or solved ticket and starts the next-response clock."""
    now = now or timezone.now()
    body = _clean_body(body)
    with transaction.atomic():
        ticket = _locked(ticket)
        _require_member(ticket, author)
        _refuse_closed(ticket)
        if ticket.status in PAUSED_STATUSES:
            _move(ticket, Status.OPEN, actor=author, now=now, notify=False)
        sla.customer_wrote(ticket, now)
        message = _message(ticket, Visibility.PUBLIC, _customer_kind(author), author, body, now,
                           author_name=author_name or None)
        _save(ticket, now)
        notifications.customer_reply(ticket, message)
    return message


def apply_macro(ticket, macro, *, actor, now=None) -> TicketMessage:
    """Posts the macro's text, placeholders filled in, as a reply or a note, and sets its status."""
    if not macro.is_active:
        raise ServiceError(f"The macro {macro.name!r} is switched off.", "macro_inactive")
    body = macros.render(macro.body, ticket, actor)
    if macro.visibility == Visibility.PUBLIC:
        return reply(ticket, body, actor=actor, status=macro.set_status or None, now=now)
    with transaction.atomic():
        message = add_note(ticket, body, actor=actor, now=now)
        if macro.set_status and macro.set_status != ticket.status:
            change_status(ticket, macro.set_status, actor=actor, now=now)
    return message


# --- properties ----------------------------------------------------------------------------

def change_status(ticket, status, *, actor=None, now=None, request=None, by_customer=False) -> Ticket:
    """`actor` None is the system (auto-close). `by_customer`: a tenant member marking solved."""
    _check_choice(status, Status, "status")
    if not by_customer and actor is not None:
        _require_agent(actor)
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _locked(ticket)
        if by_customer:
            _require_member(ticket, actor)
            if status != Status.SOLVED:
                raise PermissionRefused("Customers can only mark their tickets solved.", "customer_status")
        if status == ticket.status:
            return ticket
        before = ticket.status
        _move(ticket, status, actor=actor, now=now, notify=not by_customer)
        _save(ticket, now)
        audit.record("ticket.status_changed", actor=actor, tenant=ticket.tenant, target=ticket, request=request,
                     before={"status": before}, after={"status": status},
                     actor_label="" if actor else "system (auto-close)")
    return ticket


def assign(ticket, assignee, *, actor, request=None) -> Ticket:
    """`assignee` None unassigns. Assignees are active staff."""
    _require_agent(actor)
    if assignee is not None and not (assignee.is_staff and assignee.is_active):
        raise ServiceError(f"{assignee} is not active staff; tickets go to agents.", "assignee_not_staff")
    with transaction.atomic():
        ticket = _locked(ticket)
        before = ticket.assignee.get_username() if ticket.assignee_id else None
        ticket.assignee = assignee
        ticket.save(update_fields=["assignee", "updated_at"])
        audit.record("ticket.assigned", actor=actor, tenant=ticket.tenant, target=ticket, request=request,
                     before={"assignee": before}, after={"assignee": assignee.get_username() if assignee else None})
    return ticket


def set_priority(ticket, priority, *, actor, now=None, request=None) -> Ticket:
    """A new priority brings that priority's SLA policy; due times are recomputed from the start."""
    _require_agent(actor)
    _check_choice(priority, Priority, "priority")
    with transaction.atomic():
        ticket = _locked(ticket)
        if priority == ticket.priority:
            return ticket
        before = ticket.priority
        ticket.priority = priority
        sla.start(ticket)
        _save(ticket, now or timezone.now())
        audit.record("ticket.priority_changed", actor=actor, tenant=ticket.tenant, target=ticket, request=request,
                     before={"priority": before}, after={"priority": priority})
    return ticket


def set_tags(ticket, names, *, actor) -> Ticket:
    _require_agent(actor)
    ticket.tags.set(_tags(names))
    return ticket


def link_events(ticket, events, *, actor, request=None) -> int:
    """Links Error Center events of the ticket's tenant (or platform-wide ones) to the ticket."""
    _require_agent(actor)
    events = list(events[:MAX_EVENTS_PER_LINK + 1])
    if not events:
        raise ServiceError("Choose at least one event to link.", "no_events")
    if len(events) > MAX_EVENTS_PER_LINK:
        raise ServiceError(f"Link at most {MAX_EVENTS_PER_LINK} events at once.", "too_many_events")
    foreign = [event.pk for event in events if event.tenant_id not in (None, ticket.tenant_id)]
    if foreign:
        raise ServiceError(f"Event(s) {foreign} belong to another tenant.", "foreign_events")
    with transaction.atomic():
        ticket.events.add(*events)
        audit.record("ticket.events_linked", actor=actor, tenant=ticket.tenant, target=ticket, request=request,
                     after={"events": [event.pk for event in events], "codes": sorted({e.code for e in events})})
    return len(events)


def recent_automation_runs(ticket, limit=20):
    """The tenant's automation runs from a day before the ticket on, failed and timed-out first:
    what an agent checks when a guest says "the bot did not answer"."""
    from apps.integrations.models import AutomationRun

    since = ticket.created_at - timedelta(days=1)
    trouble = Case(When(status__in=[AutomationRun.Status.FAILED, AutomationRun.Status.TIMEOUT], then=Value(0)),
                   default=Value(1), output_field=IntegerField())
    return list(AutomationRun.objects.for_tenant(ticket.tenant).filter(created_at__gte=since).select_related("bot")
                .order_by(trouble, "-created_at")[:limit])


def link_automation_runs(ticket, runs, *, actor, request=None) -> int:
    """Links automation runs of the ticket's tenant to the ticket."""
    _require_agent(actor)
    runs = list(runs[:MAX_EVENTS_PER_LINK + 1])
    if not runs:
        raise ServiceError("Choose at least one automation run to link.", "no_runs")
    if len(runs) > MAX_EVENTS_PER_LINK:
        raise ServiceError(f"Link at most {MAX_EVENTS_PER_LINK} runs at once.", "too_many_runs")
    foreign = [run.pk for run in runs if run.tenant_id != ticket.tenant_id]
    if foreign:
        raise ServiceError(f"Automation run(s) {foreign} belong to another tenant.", "foreign_runs")
    with transaction.atomic():
        ticket.automation_runs.add(*runs)
        audit.record("ticket.automation_runs_linked", actor=actor, tenant=ticket.tenant, target=ticket,
                     request=request, after={"automation_runs": [run.pk for run in runs]})
    return len(runs)


def record_incident(ticket, incident, *, actor, request=None) -> Ticket:
    """The ticket's side of a link to an incident. `incidents.services.link_ticket` is the one way in:
    it calls this, then counts the ticket's tenant as affected."""
    _require_agent(actor)
    with transaction.atomic():
        ticket = _locked(ticket)
        before = ticket.incident_id
        ticket.incident = incident
        ticket.save(update_fields=["incident", "updated_at"])
        audit.record("ticket.incident_linked", actor=actor, tenant=ticket.tenant, target=ticket, request=request,
                     before={"incident": before}, after={"incident": incident.pk if incident else None})
    return ticket


def link_detected_incident(ticket_ids, incident) -> list[int]:
    """Detection links the tickets its events name to their incident: only tickets of the
    incident's affected tenants that no incident holds yet. The system acts, so no agent is needed."""
    unlinked = Ticket.objects.filter(pk__in=list(ticket_ids), incident__isnull=True,
                                     tenant__in=incident.affected_tenants.all())
    linked = []
    with transaction.atomic():
        for ticket in unlinked.select_for_update(of=("self",)).select_related("tenant"):
            ticket.incident = incident
            ticket.save(update_fields=["incident", "updated_at"])
            audit.record("ticket.incident_linked", tenant=ticket.tenant, target=ticket, actor_label="detection",
                         before={"incident": None}, after={"incident": incident.pk})
            linked.append(ticket.pk)
    return linked


# --- many at once --------------------------------------------------------------------------

def reply_to_incident_tickets(incident, body, *, actor, status=None, now=None, request=None) -> dict:
    """One public reply, sent to every ticket linked to the incident that is not closed."""
    _require_agent(actor)
    body = _clean_body(body)
    if status:
        _check_choice(status, Status, "status")
    result = {"replied": [], "refused": []}
    for ticket in incident.tickets.exclude(status=Status.CLOSED).order_by("pk"):
        try:
            reply(ticket, body, actor=actor, status=status or None, now=now)
            result["replied"].append(ticket.pk)
        except ServiceError as exc:
            result["refused"].append((ticket.pk, exc.message))
    audit.record("incident.tickets_replied", actor=actor, target=incident, request=request,
                 after={"tickets": result["replied"], "status": status or "", "refused": len(result["refused"])})
    return result


def close_solved_tickets(now=None) -> int:
    """Closes tickets solved more than TICKET_AUTOCLOSE_DAYS ago (the periodic job)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.TICKET_AUTOCLOSE_DAYS)
    closed = 0
    for ticket in Ticket.objects.filter(status=Status.SOLVED, solved_at__lte=cutoff).order_by("pk")[:1000]:
        with transaction.atomic():
            if _locked(ticket).status == Status.SOLVED:
                change_status(ticket, Status.CLOSED, actor=None, now=now)
                closed += 1
    return closed


# --- helpers -------------------------------------------------------------------------------

def _move(ticket, status, *, actor, now, notify):
    """Applies one status transition and its effect on the SLA clock."""
    if status not in TRANSITIONS[ticket.status]:
        raise ServiceError(f"A {ticket.status} ticket cannot become {status}.", "bad_transition")
    before = ticket.status
    ticket.status = status
    if before == Status.SOLVED:
        sla.reopened(ticket)
    if status == Status.SOLVED:
        sla.solved(ticket, now)
    if status == Status.CLOSED:
        ticket.closed_at = now
    if status in PAUSED_STATUSES or status == Status.CLOSED:
        sla.pause(ticket, now)
    else:
        sla.resume(ticket, now)
    if notify:
        notifications.status_change(ticket, before, actor, now)


def _locked(ticket) -> Ticket:
    return (Ticket.objects.select_for_update(of=("self",))
            .select_related("tenant", "tenant__plan", "sla_policy", "requester_user", "assignee").get(pk=ticket.pk))


def _save(ticket, now):
    ticket.last_activity_at = now
    ticket.save()


def _message(ticket, visibility, author_kind, author, body, now, author_name=None) -> TicketMessage:
    return TicketMessage.objects.create(
        tenant_id=ticket.tenant_id, ticket=ticket, visibility=visibility, author_kind=author_kind,
        author=author if getattr(author, "pk", None) else None,
        author_name=(author_name or _name(author) or ticket.requester_label)[:200], body=body,
        correlation_id=context.current_correlation_id() or "", created_at=now)


def _name(user):
    if user is None or getattr(user, "pk", None) is None:
        return ""
    return user.get_full_name() or user.get_username()


def _customer_kind(user):
    return AuthorKind.MEMBER if getattr(user, "pk", None) else AuthorKind.REQUESTER


def _require_agent(actor):
    if actor is None or not getattr(actor, "is_staff", False):
        raise PermissionRefused("Only support agents (staff) can do this.", "not_an_agent")


def _require_member(ticket, user):
    if getattr(user, "pk", None) is None:
        return
    if not Membership.objects.for_tenant(ticket.tenant).filter(user=user).exists():
        raise PermissionRefused(f"{user} is not a member of {ticket.tenant.name}.", "not_a_member")


def _refuse_closed(ticket):
    if ticket.status == Status.CLOSED:
        raise ServiceError(f"Ticket #{ticket.pk} is closed; open a new ticket instead.", "ticket_closed")


def _clean_text(value, field, max_length):
    value = (value or "").strip() if isinstance(value, str) else ""
    if not value:
        raise ServiceError(f"{field}: this field is required.", f"{field}_required")
    if len(value) > max_length:
        raise ServiceError(f"{field}: at most {max_length} characters (this one has {len(value)}).", f"{field}_too_long")
    return value


def _clean_body(body):
    return _clean_text(body, "body", MAX_BODY)


def _check_choice(value, choices, field):
    if value not in choices.values:
        raise ServiceError(f"{field}: {value!r} is not one of {', '.join(choices.values)}.", f"invalid_{field}")


def _tags(names):
    names = {str(name).strip().lower() for name in names if str(name).strip()}
    return [Tag.objects.get_or_create(name=name[:50])[0] for name in sorted(names)]


def correlated_events(ticket, *, before=timedelta(hours=1), limit=100):
    """The tenant's events from `before` ahead of the ticket up to now, and any of its own or
    platform-wide events sharing a correlation id with the ticket, its messages or its linked
    events; newest first."""
    ids = correlation_ids(ticket)
    around = SystemEvent.objects.for_tenant(ticket.tenant).filter(occurred_at__gte=ticket.created_at - before)
    same = SystemEvent.objects.filter(Q(tenant=ticket.tenant) | Q(tenant__isnull=True), correlation_id__in=ids) \
        if ids else SystemEvent.objects.none()
    return (around | same).select_related("tenant").order_by("-occurred_at", "-id")[:limit]


def correlation_ids(ticket) -> set[str]:
    return {ticket.correlation_id, *ticket.messages.values_list("correlation_id", flat=True),
            *ticket.events.values_list("correlation_id", flat=True)} - {""}
