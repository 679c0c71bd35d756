"""Health monitors and their results, maintenance windows and the alerts they held back.

Every change goes through apps.health.services / apps.health.maintenance; these classes hold the
data and the invariants read from it (e.g. whether a window covers a moment)."""

import uuid
from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from apps.health.checks import FAIL, PASS, SKIP
from apps.tenants.models import TenantScopedQuerySet

UTC = UTC


class HealthMonitor(models.Model):
    """One dependency watched every few minutes: a platform component or one tenant's connection.

    `key` names the component (`database`, `redis`, `workers`, `ai_provider`, `connection:<id>`)
    and is the incident dedup key's tail, so a flapping component keeps joining one incident."""

    class Kind(models.TextChoices):
        DATABASE = "database", "Database"
        REDIS = "redis", "Redis broker"
        WORKERS = "workers", "Celery workers"
        CONNECTION = "connection", "Connection"
        AI_PROVIDER = "ai_provider", "AI provider"
        AUTH = "auth", "Authentication (synthetic login)"
        BACKUPS = "backups", "Backups and restore drills"

    class State(models.TextChoices):
        UNKNOWN = "unknown", "Unknown"
        HEALTHY = "healthy", "Healthy"
        FAILING = "failing", "Failing (below the threshold)"
        DOWN = "down", "Down"

    key = models.CharField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    check_name = models.CharField(max_length=64, help_text="The check (apps.health.checks) this monitor runs.")
    connection = models.OneToOneField(
        "integrations.Connection", null=True, blank=True, on_delete=models.CASCADE, related_name="health_monitor"
    )
    tenant = models.ForeignKey(
        "tenants.Tenant", null=True, blank=True, on_delete=models.CASCADE, related_name="health_monitors"
    )
    is_platform = models.BooleanField(
        "platform component", default=False, help_text="A platform component: its incidents are sev1."
    )
    enabled = models.BooleanField(default=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.UNKNOWN)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    last_detail = models.TextField(blank=True)
    last_latency_ms = models.FloatField("last latency (ms)", null=True, blank=True)
    incident = models.ForeignKey(
        "incidents.Incident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="health_monitors",
        help_text="The incident its failures opened or joined.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-is_platform", "kind", "name"]
        indexes = [models.Index(fields=["enabled", "kind"], name="health_monitor_enabled_kind")]

    def __str__(self):
        return self.name

    @property
    def dedup_key(self):
        return f"health:{self.key}"

    @property
    def provider(self):
        return self.connection.provider if self.connection_id else ""


class MonitorResult(models.Model):
    """One run of a monitor: kept for the history and the latency chart, purged by age."""

    class Status(models.TextChoices):
        PASS = PASS, "Pass"
        FAIL = FAIL, "Fail"
        SKIP = SKIP, "Skipped"

    monitor = models.ForeignKey(HealthMonitor, on_delete=models.CASCADE, related_name="results")
    status = models.CharField(max_length=4, choices=Status.choices)
    ok = models.BooleanField()
    latency_ms = models.FloatField("latency (ms)", null=True, blank=True)
    value = models.JSONField(null=True, blank=True)
    detail = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["monitor", "-at"], name="health_result_monitor_at"),
            models.Index(fields=["at"], name="health_result_at"),
        ]

    def __str__(self):
        return f"{self.monitor} {self.status} at {self.at:%Y-%m-%d %H:%M}"


class MaintenanceWindowQuerySet(models.QuerySet):
    def enabled(self):
        return self.filter(enabled=True)


class MaintenanceWindow(models.Model):
    """Planned work: one-off (start and end) or weekly (weekday, start and end time, UTC); for one
    monitored component, or platform-wide when `monitor` is empty. An end time at or before the
    start time of a weekly window means it runs past midnight into the next day."""

    class Recurrence(models.TextChoices):
        ONE_OFF = "one_off", "One-off"
        WEEKLY = "weekly", "Weekly"

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    title = models.CharField(max_length=200)
    public_note = models.TextField(blank=True, help_text="Shown on the public status page.")
    recurrence = models.CharField(max_length=8, choices=Recurrence.choices, default=Recurrence.ONE_OFF)
    monitor = models.ForeignKey(
        HealthMonitor,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="maintenance_windows",
        help_text="Empty: platform-wide.",
    )
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    weekday = models.PositiveSmallIntegerField(null=True, blank=True, choices=Weekday.choices)
    start_time = models.TimeField(null=True, blank=True, help_text="UTC")
    end_time = models.TimeField(null=True, blank=True, help_text="UTC")
    enabled = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MaintenanceWindowQuerySet.as_manager()

    class Meta:
        ordering = ["recurrence", "starts_at", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                name="maintenance_one_off_has_range",
                condition=~models.Q(recurrence="one_off")
                | (
                    models.Q(starts_at__isnull=False, ends_at__isnull=False)
                    & models.Q(ends_at__gt=models.F("starts_at"))
                ),
            ),
            models.CheckConstraint(
                name="maintenance_weekly_has_times",
                condition=~models.Q(recurrence="weekly")
                | (models.Q(weekday__isnull=False, start_time__isnull=False, end_time__isnull=False)),
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.schedule_label})"

    @property
    def is_platform_wide(self):
        return self.monitor_id is None

    @property
    def scope_label(self):
        return "platform-wide" if self.is_platform_wide else self.monitor.name

    @property
    def schedule_label(self):
        if self.recurrence == self.Recurrence.WEEKLY:
            return f"every {self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M} UTC"
        return f"{self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%Y-%m-%d %H:%M} UTC"

    def clean(self):
        if self.recurrence == self.Recurrence.ONE_OFF:
            if not (self.starts_at and self.ends_at):
                raise ValidationError("A one-off window needs a start and an end.")
            if self.ends_at <= self.starts_at:
                raise ValidationError({"ends_at": "The end must be after the start."})
        elif None in (self.weekday, self.start_time, self.end_time):
            raise ValidationError("A weekly window needs a weekday, a start time and an end time (UTC).")
        elif self.start_time == self.end_time:
            raise ValidationError({"end_time": "The end time must differ from the start time."})

    def occurrence_around(self, at) -> tuple[datetime, datetime] | None:
        """The occurrence covering `at`, else the next one after it (None when there is none)."""
        if self.recurrence == self.Recurrence.ONE_OFF:
            return (self.starts_at, self.ends_at) if self.ends_at > at else None
        at = at.astimezone(UTC)
        monday = datetime.combine(at.date() - timedelta(days=at.weekday()), time(0), tzinfo=UTC)
        for weeks in (-1, 0, 1):
            start = monday + timedelta(days=self.weekday, weeks=weeks) + _since_midnight(self.start_time)
            end = start + self._length()
            if end > at:
                return start, end
        return None

    def covers(self, at) -> bool:
        occurrence = self.occurrence_around(at)
        return bool(self.enabled and occurrence and occurrence[0] <= at < occurrence[1])

    def _length(self) -> timedelta:
        length = _since_midnight(self.end_time) - _since_midnight(self.start_time)
        return length if length > timedelta(0) else length + timedelta(days=1)


def _since_midnight(value: time) -> timedelta:
    return timedelta(hours=value.hour, minutes=value.minute, seconds=value.second)


class SuppressedAlert(models.Model):
    """An alert or automatic incident that a maintenance window held back: what, when, which window."""

    class Source(models.TextChoices):
        MONITOR = "monitor", "Health monitor"
        SPIKE = "spike", "Error spike"
        ALERT_RULE = "alert_rule", "Alert rule"

    window = models.ForeignKey(MaintenanceWindow, null=True, on_delete=models.SET_NULL, related_name="suppressed")
    window_title = models.CharField(max_length=200, help_text="Kept when the window is deleted.")
    source = models.CharField(max_length=12, choices=Source.choices)
    dedup_key = models.CharField(max_length=200, blank=True, db_index=True)
    title = models.CharField(max_length=300)
    monitor = models.ForeignKey(
        HealthMonitor, null=True, blank=True, on_delete=models.SET_NULL, related_name="suppressed_alerts"
    )
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True, help_text="First held in this occurrence.")
    last_at = models.DateTimeField(default=timezone.now, help_text="Last held in this occurrence.")
    count = models.PositiveIntegerField(default=1, help_text="Times it was held in this occurrence.")

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.title} (held by {self.window_title})"


class InboundSilence(models.Model):
    """One episode of a connection that usually receives traffic having gone quiet: opened once
    when the silence is detected, closed (`resolved_at`) when traffic resumes."""

    connection = models.ForeignKey("integrations.Connection", on_delete=models.CASCADE, related_name="inbound_silences")
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="inbound_silences")
    last_received_at = models.DateTimeField(help_text="The last inbound event before the silence.")
    expected_events = models.FloatField(help_text="Events the quiet hours usually bring.")
    detected_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True, help_text="When traffic resumed.")

    objects = TenantScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-detected_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection"], condition=models.Q(resolved_at__isnull=True), name="one_open_silence"
            )
        ]

    def __str__(self):
        return f"{self.connection} silent since {self.last_received_at:%Y-%m-%d %H:%M} UTC"


class HeartbeatCheck(models.Model):
    """A tenant's scheduled job that pings `/ping/<ping_key>` every `period` (healthchecks.io's
    model): late by more than `grace` it is down, a ping to `/fail` marks it failed."""

    class Status(models.TextChoices):
        NEW = "new", "Waiting for the first ping"
        UP = "up", "Up"
        STARTED = "started", "Running"
        DOWN = "down", "Missed its ping"
        FAILED = "failed", "Reported a failure"

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="heartbeat_checks")
    name = models.CharField(max_length=100)
    ping_key = models.UUIDField("ping key", default=uuid.uuid4, unique=True, editable=False)
    period = models.DurationField(default=timedelta(hours=1), help_text="How often the job pings.")
    grace = models.DurationField(default=timedelta(minutes=10), help_text="How late a ping may be.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.NEW)
    last_ping_at = models.DateTimeField(null=True, blank=True)
    last_start_at = models.DateTimeField(null=True, blank=True)
    alerted_at = models.DateTimeField(null=True, blank=True, help_text="When its current trouble was reported.")
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantScopedQuerySet.as_manager()

    class Meta:
        ordering = ["tenant", "name"]
        indexes = [models.Index(fields=["status", "last_ping_at"], name="heartbeat_due")]

    def __str__(self):
        return self.name

    def due_at(self):
        """When a missing ping makes it down: the last ping (or its creation) plus period and grace."""
        return (self.last_ping_at or self.created_at) + self.period + self.grace
