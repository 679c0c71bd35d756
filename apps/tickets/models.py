"""Tickets: a tenant's request to support, its conversation, the SLA it runs under, the macros
agents answer with and the emails it sent. Every change goes through `apps.tickets.services`."""

from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from apps.tenants.models import TenantScopedManager, TenantScopedQuerySet
from apps.tickets.business_hours import AROUND_THE_CLOCK, Schedule


class Channel(models.TextChoices):
    PORTAL = "portal", "Portal"
    EMAIL = "email", "Email"
    WHATSAPP = "whatsapp", "WhatsApp"
    TELEGRAM = "telegram", "Telegram"
    CHATWOOT = "chatwoot", "Chatwoot"
    API = "api", "API"


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class Status(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    PENDING = "pending", "Pending (waiting on the customer)"
    SOLVED = "solved", "Solved"
    CLOSED = "closed", "Closed"


# The SLA clock runs while the ticket is on us, and pauses while it waits on the customer or is solved.
ACTIVE_STATUSES = (Status.NEW, Status.OPEN)
PAUSED_STATUSES = (Status.PENDING, Status.SOLVED)
OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING)


class Tag(models.Model):
    name = models.SlugField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


def validate_weekdays(value):
    if not isinstance(value, list) or not value or any(day not in range(7) for day in value):
        raise ValidationError("List the business weekdays as numbers, 0 (Monday) to 6 (Sunday), e.g. [0, 1, 2, 3, 4].")


class SlaPolicy(models.Model):
    """Response and resolution targets for one priority, for one plan or (plan empty) every plan
    without its own. Minutes count business hours in the tenant's time zone, or all minutes
    when `business_hours` is off."""

    plan = models.ForeignKey(
        "tenants.Plan",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_policies",
        help_text="Empty: the default for plans without their own.",
    )
    priority = models.CharField(max_length=10, choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField()
    next_response_minutes = models.PositiveIntegerField()
    resolution_minutes = models.PositiveIntegerField()
    business_hours = models.BooleanField(default=True, help_text="Off: the clock runs around the clock (24x7).")
    business_weekdays = models.JSONField(
        default=list, validators=[validate_weekdays], help_text="0 = Monday … 6 = Sunday, e.g. [0, 1, 2, 3, 4]."
    )
    business_start = models.TimeField(default=time(9))
    business_end = models.TimeField(default=time(18))

    class Meta:
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        ordering = ["plan__name", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "priority"], name="sla_policy_plan_priority_unique"),
            models.UniqueConstraint(
                fields=["priority"], condition=models.Q(plan__isnull=True), name="sla_policy_default_priority_unique"
            ),
        ]

    def __str__(self):
        return f"{self.plan or 'Default'} · {self.priority}"

    def clean(self):
        if (
            self.business_hours
            and self.business_start
            and self.business_end
            and self.business_start >= self.business_end
        ):
            raise ValidationError({"business_end": "Business hours must end after they start, on the same day."})

    def schedule(self, tenant) -> Schedule:
        if not self.business_hours:
            return AROUND_THE_CLOCK
        return Schedule(
            zone=tenant.timezone,
            weekdays=tuple(self.business_weekdays or (0, 1, 2, 3, 4)),
            start=self.business_start,
            end=self.business_end,
        )


class TicketQuerySet(TenantScopedQuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class Ticket(models.Model):
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="tickets")
    subject = models.CharField(max_length=300)
    requester_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requested_tickets",
        help_text="A member of the tenant; empty for an external contact.",
    )
    requester_name = models.CharField(max_length=200, blank=True)
    requester_email = models.EmailField(blank=True)
    requester_phone = models.CharField(max_length=40, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.PORTAL)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        limit_choices_to={"is_staff": True},
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    events = models.ManyToManyField("events.SystemEvent", blank=True, related_name="tickets")
    automation_runs = models.ManyToManyField(
        "integrations.AutomationRun",
        blank=True,
        related_name="tickets",
        help_text="The tenant's n8n runs the ticket is about.",
    )
    correlation_id = models.CharField(
        "correlation ID", max_length=128, blank=True, help_text="Of the request that opened it."
    )

    sla_policy = models.ForeignKey(SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    next_response_due_at = models.DateTimeField(null=True, blank=True)
    next_response_started_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    first_response_breached_at = models.DateTimeField(null=True, blank=True)
    next_response_breached_at = models.DateTimeField(null=True, blank=True)
    resolution_breached_at = models.DateTimeField(null=True, blank=True)
    sla_next_due_at = models.DateTimeField(
        null=True, blank=True, help_text="The nearest target not yet met or breached; empty while the clock is paused."
    )
    sla_paused_at = models.DateTimeField(null=True, blank=True)
    sla_paused_minutes = models.FloatField(default=0, help_text="SLA minutes spent paused (pending or solved).")
    first_response_at = models.DateTimeField(null=True, blank=True)
    first_response_minutes = models.FloatField(null=True, blank=True, help_text="In the SLA's clock, pauses excluded.")
    solved_at = models.DateTimeField(null=True, blank=True)
    resolution_minutes = models.FloatField(null=True, blank=True, help_text="In the SLA's clock, pauses excluded.")
    closed_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-last_activity_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "status", "-last_activity_at"], name="ticket_tenant_status"),
            models.Index(fields=["status", "sla_next_due_at"], name="ticket_status_sla_due"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status"),
            models.Index(fields=["status", "solved_at"], name="ticket_status_solved"),
            models.Index(fields=["first_response_at"], name="ticket_first_response"),
            models.Index(fields=["-created_at"], name="ticket_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(requester_user__isnull=False)
                | ~models.Q(requester_name="")
                | ~models.Q(requester_email="")
                | ~models.Q(requester_phone=""),
                name="ticket_has_requester",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.subject}"

    @property
    def requester_label(self):
        if self.requester_user_id:
            return self.requester_name or self.requester_user.get_username()
        return self.requester_name or self.requester_email or self.requester_phone

    @property
    def requester_address(self):
        """Where the requester's emails go: the member's address, else the contact's."""
        if self.requester_user_id and self.requester_user.email:
            return self.requester_user.email
        return self.requester_email

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES


class TicketMessage(models.Model):
    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public reply"
        INTERNAL = "internal", "Internal note"

    class AuthorKind(models.TextChoices):
        AGENT = "agent", "Agent"
        MEMBER = "member", "Tenant member"
        REQUESTER = "requester", "External requester"
        SYSTEM = "system", "System"

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    author_kind = models.CharField(max_length=10, choices=AuthorKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=200, blank=True, help_text="As shown at the time.")
    body = models.TextField()
    correlation_id = models.CharField("correlation ID", max_length=128, blank=True)
    created_at = models.DateTimeField()

    objects = TenantScopedManager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticketmessage_ticket_time")]

    def __str__(self):
        return f"{self.get_visibility_display()} by {self.author_name or self.author_kind} on #{self.ticket_id}"

    @property
    def is_public(self):
        return self.visibility == self.Visibility.PUBLIC

    @property
    def from_customer(self):
        return self.author_kind in (self.AuthorKind.MEMBER, self.AuthorKind.REQUESTER)


class Macro(models.Model):
    """A canned answer. The body may use {requester_name}, {ticket_id}, {tenant_name}, {subject}
    and {agent_name}; applying it can also set the status."""

    PLACEHOLDERS = ("requester_name", "ticket_id", "tenant_name", "subject", "agent_name")

    name = models.CharField(max_length=100, unique=True)
    body = models.TextField()
    visibility = models.CharField(
        max_length=10, choices=TicketMessage.Visibility.choices, default=TicketMessage.Visibility.PUBLIC
    )
    set_status = models.CharField(
        max_length=10,
        choices=Status.choices,
        blank=True,
        help_text="Empty: the usual rules decide (a public reply sets pending).",
    )
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        from apps.tickets.macros import problems

        found = problems(self.body or "")
        if found:
            raise ValidationError({"body": " ".join(found)})


class TicketNotification(models.Model):
    """One email about one event of a ticket. Written with the change that causes it (so it
    cannot be lost) and sent by a task that claims it, so a task run twice sends it once."""

    class Kind(models.TextChoices):
        PUBLIC_REPLY = "public_reply", "Public reply (to the requester)"
        STATUS_CHANGE = "status_change", "Status change (to the requester)"
        CUSTOMER_REPLY = "customer_reply", "Customer reply (to the assignee)"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    event_key = models.CharField(max_length=100, help_text="What it is about, e.g. message:42 or status:pending:…")
    recipient = models.EmailField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="When a worker took it to send.")
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = TenantScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "event_key", "recipient"], name="ticket_notification_once_per_event"
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="ticketnotif_status_time")]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.recipient} ({self.status})"
