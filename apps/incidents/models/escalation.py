"""Who is told about an incident, when, and what was sent: the escalation policy per severity,
the on-call roster, the emergency contacts and every notification sent or failed."""

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from apps.core import crypto
from apps.incidents import self_hosted
from apps.incidents.models.incident import Incident, Severity


class Level(models.IntegerChoices):
    ON_CALL = 1, "Level 1 — on-call engineer"
    TEAM_LEAD = 2, "Level 2 — team lead"
    INFRASTRUCTURE = 3, "Level 3 — CTO / infrastructure"


class Role(models.TextChoices):
    """Who a person is to the escalation rules, beside the level they hold (the support runbook's
    contacts table)."""

    SUPPORT_LEAD = "support_lead", "Support lead"
    ENGINEERING_MANAGER = "engineering_manager", "Engineering manager"
    CEO = "ceo", "CEO"
    INFRASTRUCTURE = "infrastructure", "Infrastructure"


SEVERITY_RANK = {"sev1": 1, "sev2": 2, "sev3": 3, "sev4": 4}


def at_least(severity, floor) -> bool:
    """sev1 is the highest: `at_least("sev1", "sev2")` is True."""
    return SEVERITY_RANK[severity] <= SEVERITY_RANK[floor]


def floor_label(floor) -> str:
    """A severity floor in plain words: "sev1 only", "sev2 and above", "every severity"."""
    if floor == Severity.SEV1:
        return "sev1 only"
    if floor == Severity.SEV4:
        return "every severity"
    return f"{floor} and above"


FLOOR_CHOICES = [(value, floor_label(value)) for value in Severity.values]


class EscalationPolicy(models.Model):
    """Level 1 hears of every new incident; when nobody acknowledges within the window the next
    level is told, and levels 2 and 3 are told when the incident is still unresolved after their
    delay (counted from detection). An empty delay never escalates to that level."""

    severity = models.CharField(max_length=4, choices=Severity.choices, unique=True)
    acknowledge_within_minutes = models.PositiveIntegerField(default=5)
    escalate_unacknowledged = models.BooleanField(
        default=True, help_text="Tell the next level as soon as the acknowledgement window passes unacknowledged."
    )
    level2_after_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Unresolved this long: tell the team lead."
    )
    level3_after_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Unresolved this long: tell CTO / infrastructure."
    )
    notify_on_open = models.BooleanField(default=True, help_text="Tell level 1 when the incident opens.")

    class Meta:
        ordering = ["severity"]
        verbose_name_plural = "escalation policies"

    def __str__(self):
        return f"Escalation for {self.severity}"

    def clean(self):
        if (
            self.level2_after_minutes
            and self.level3_after_minutes
            and self.level3_after_minutes <= self.level2_after_minutes
        ):
            raise ValidationError({"level3_after_minutes": "Level 3 must come after level 2."})

    def acknowledge_by(self, incident):
        return incident.detected_at + timedelta(minutes=self.acknowledge_within_minutes)

    def due_level(self, incident, now) -> int:
        """The highest level that should have been told about `incident` by `now`."""
        if not incident.is_open:
            return 0
        level = Level.ON_CALL if self.notify_on_open else 0
        if self.escalate_unacknowledged and incident.acknowledged_at is None and now >= self.acknowledge_by(incident):
            level = max(level, Level.TEAM_LEAD)
        for target, minutes in (
            (Level.TEAM_LEAD, self.level2_after_minutes),
            (Level.INFRASTRUCTURE, self.level3_after_minutes),
        ):
            if minutes is not None and now >= incident.detected_at + timedelta(minutes=minutes):
                level = max(level, target)
        return level


class OnCallQuerySet(models.QuerySet):
    def on_shift(self, now=None):
        now = now or timezone.now()
        return self.filter(starts_at__lte=now).filter(models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=now))

    def holding(self, level, now=None):
        return self.on_shift(now).filter(level=level)

    def in_role(self, role, now=None):
        """Everyone on shift now who holds `role` (whatever their level)."""
        return self.on_shift(now).filter(role=role)


class OnCallEntry(models.Model):
    """One person holding one level for a period (open-ended when `ends_at` is empty)."""

    level = models.PositiveSmallIntegerField(choices=Level.choices)
    name = models.CharField(max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="on_call_entries",
        limit_choices_to={"is_staff": True},
    )
    role = models.CharField(
        max_length=24,
        choices=Role.choices,
        blank=True,
        help_text="Optional: the role the escalation rules call (support lead, engineering manager, CEO, "
        "infrastructure). The level still says who hears of incidents by the severity policies.",
    )
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    slack_webhook_encrypted = models.TextField(blank=True, editable=False)
    notify_by_telegram = models.BooleanField(
        "notify by Telegram",
        default=True,
        help_text="Send alerts with Acknowledge / Resolve buttons to the Telegram account the user bound "
        "(/bind in the platform bot). Has no effect while the user has no bound Telegram account.",
    )
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True)

    objects = OnCallQuerySet.as_manager()

    class Meta:
        ordering = ["level", "starts_at"]
        verbose_name = "on-call roster entry"
        verbose_name_plural = "on-call roster"

    def __str__(self):
        return f"{self.name} ({self.get_level_display()})"

    def clean(self):
        if self.ends_at and self.starts_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The shift must end after it starts."})

    @property
    def slack_webhook_url(self) -> str:
        return crypto.decrypt_json(self.slack_webhook_encrypted).get("url", "")

    def set_slack_webhook_url(self, url: str):
        self.slack_webhook_encrypted = crypto.encrypt_json({"url": url.strip()} if url.strip() else {})


class EscalationRule(models.Model):
    """ "Tell <role> when an incident of severity ≥ <min_severity> is <trigger> for <after_minutes>":
    the rows of the support runbook's contacts table (support lead at sev2+ after 10 minutes,
    engineering manager at sev1 at once, CEO at sev1 after 15, infrastructure when a self-hosted
    component is down). Each rule fires at most once per incident (`EscalationRuleFiring`)."""

    class Trigger(models.TextChoices):
        OPEN = "open", "Unresolved for the delay"
        UNACKNOWLEDGED = "unacknowledged", "Unacknowledged for the delay"
        COMPONENT_DOWN = "component_down", "A self-hosted component is down"

    name = models.CharField(max_length=200)
    role = models.CharField(max_length=24, choices=Role.choices)
    min_severity = models.CharField(
        "only for severity at least",
        max_length=4,
        choices=Severity.choices,
        default=Severity.SEV2,
        help_text="sev1 is the highest: 'sev2' means sev1 and sev2 incidents.",
    )
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.OPEN)
    after_minutes = models.PositiveIntegerField(default=0, help_text="Counted from detection; 0: at once.")
    components = models.JSONField(
        default=list,
        blank=True,
        help_text="For 'a self-hosted component is down': the components (apps.events.components) that count; "
        "empty: any self-hosted one.",
    )
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["min_severity", "after_minutes", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        problem = self_hosted.problem_with(self.components if self.components is not None else [])
        if problem:
            raise ValidationError({"components": problem})
        if self.components and self.trigger != self.Trigger.COMPONENT_DOWN:
            raise ValidationError(
                {
                    "components": "Components only narrow the 'a self-hosted component is down' trigger: "
                    "clear them, or choose that trigger."
                }
            )

    def applies_to(self, incident) -> bool:
        return self.is_active and at_least(incident.severity, self.min_severity)

    @property
    def floor_label(self) -> str:
        return floor_label(self.min_severity)

    @property
    def delay_label(self) -> str:
        return f"after {self.after_minutes} min" if self.after_minutes else "at once"


class EscalationRuleFiring(models.Model):
    """A rule told its role about an incident: written once, so the rule never fires twice."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="rule_firings")
    rule = models.ForeignKey(EscalationRule, on_delete=models.CASCADE, related_name="firings")
    fired_at = models.DateTimeField(default=timezone.now)
    why = models.TextField(blank=True)

    class Meta:
        ordering = ["-fired_at"]
        constraints = [models.UniqueConstraint(fields=["incident", "rule"], name="escalation_rule_fires_once")]

    def __str__(self):
        return f"{self.rule} → incident #{self.incident_id}"


class EmergencyContact(models.Model):
    role = models.CharField(max_length=200, help_text="E.g. CTO, database provider support, Meta partner manager.")
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    notes = models.TextField(blank=True, help_text="When to call, what to have ready.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "role"]

    def __str__(self):
        return f"{self.role}: {self.name}"


def redacted_webhook(url: str) -> str:
    """A webhook URL is a secret: keep the host and a hint of the path only."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…{parts.path[-4:]}" if parts.netloc else "(no URL)"


class Notification(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SLACK = "slack", "Slack"
        TELEGRAM = "telegram", "Telegram (platform bot)"

    class Reason(models.TextChoices):
        OPENED = "opened", "Incident opened"
        ESCALATED = "escalated", "Escalated"
        RULE = "rule", "Escalation rule"
        TENANT_WARNING = "warning", "Warning to the tenant's owner"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notifications")
    level = models.PositiveSmallIntegerField(
        choices=Level.choices, null=True, blank=True, help_text="Empty for a role told by an escalation rule."
    )
    role = models.CharField(max_length=24, choices=Role.choices, blank=True)
    rule = models.ForeignKey(
        EscalationRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    reason = models.CharField(max_length=12, choices=Reason.choices)
    recipient = models.CharField(
        max_length=300, help_text="An email address, a redacted webhook URL, or a person's Telegram account."
    )
    target_encrypted = models.TextField(blank=True, editable=False)
    on_call_entry = models.ForeignKey(OnCallEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    subject = models.CharField(max_length=300)
    body = models.TextField()
    status = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="When a worker took it to send.")
    next_attempt_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A Telegram send that failed for a while (429, 5xx, no answer) waits until then.",
    )
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="incident_notification_status")]

    def __str__(self):
        return f"{self.get_channel_display()} to {self.recipient} ({self.status})"

    @property
    def target(self) -> str:
        """Where it goes: the email address, the decrypted webhook URL, or the Telegram chat id."""
        if self.channel == self.Channel.EMAIL:
            return self.recipient
        if self.channel == self.Channel.TELEGRAM:
            return crypto.decrypt_json(self.target_encrypted).get("chat_id", "")
        return crypto.decrypt_json(self.target_encrypted).get("url", "")
