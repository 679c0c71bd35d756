"""The incident, its timeline, follow-up tasks and postmortem. Every change goes through
`apps.incidents.services`; these classes hold data and the invariants read from it."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.tenants.models import Tenant


class Severity(models.TextChoices):
    SEV1 = "sev1", "sev1 — production outage"
    SEV2 = "sev2", "sev2 — partial outage / error spike"
    SEV3 = "sev3", "sev3 — one tenant or degraded"
    SEV4 = "sev4", "sev4 — minor"


class Status(models.TextChoices):
    DETECTED = "detected", "Detected"
    TRIAGED = "triaged", "Triaged"
    MITIGATING = "mitigating", "Mitigating"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


OPEN_STATUSES = (Status.DETECTED, Status.TRIAGED, Status.MITIGATING)
POSTMORTEM_REQUIRED = (Severity.SEV1, Severity.SEV2)
POSTMORTEM_DUE_AFTER = timedelta(hours=24)


class DetectionMethod(models.TextChoices):
    SPIKE = "spike", "Error spike"
    ALERT_RULE = "alert_rule", "Alert rule"
    HEALTH_MONITOR = "health_monitor", "Health monitor"
    TICKET = "ticket", "Ticket"
    MANUAL = "manual", "Manual"


class IncidentQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def for_tenant(self, tenant):
        return self.filter(affected_tenants=tenant)

    def postmortem_overdue(self, now=None):
        """Resolved sev1/sev2 incidents past the 24-hour postmortem deadline without one."""
        now = now or timezone.now()
        return self.filter(
            severity__in=POSTMORTEM_REQUIRED,
            status__in=(Status.RESOLVED, Status.CLOSED),
            postmortem__isnull=True,
            resolved_at__lt=now - POSTMORTEM_DUE_AFTER,
        )


class Incident(models.Model):
    """Something is broken for one or more tenants and someone owns fixing it.

    `dedup_key` names what opened it automatically (e.g. `spike:META_SEND_FAIL`), so detection
    that runs every minute joins the open incident instead of opening a second one."""

    title = models.CharField(max_length=300)
    severity = models.CharField(max_length=4, choices=Severity.choices, default=Severity.SEV3)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DETECTED)
    detection_method = models.CharField(max_length=20, choices=DetectionMethod.choices, default=DetectionMethod.MANUAL)
    dedup_key = models.CharField(max_length=200, blank=True, db_index=True)
    codes = models.JSONField(default=list, blank=True, help_text="Event codes this incident is about.")
    runbook = models.ForeignKey(
        "incidents.Runbook",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents",
        help_text="Chosen by detection from what failed (the monitor, the alert rule's metric, the spiking code).",
    )
    components = models.JSONField(
        default=list,
        blank=True,
        help_text="Parts of the system it is about (apps.events.components): its tenants' failures there join it.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_incidents",
    )
    affected_tenants = models.ManyToManyField(
        "tenants.Tenant",
        blank=True,
        related_name="incidents",
        help_text="Tenants the failure hurts: they are told (portal notice, owners' e-mail) as it goes.",
    )
    subject_tenant = models.ForeignKey(
        "tenants.Tenant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents_about",
        help_text="The tenant whose own behaviour it is about (tenant abuse): operators act on it (AI off, "
        "suspend, warn); unlike an affected tenant it is told nothing automatically.",
    )
    automation_runs = models.ManyToManyField(
        "integrations.AutomationRun",
        blank=True,
        related_name="incidents",
        help_text="n8n runs that failed or timed out in it: linked with their events, or by hand.",
    )
    root_cause_hypothesis = models.TextField(blank=True)
    impact = models.TextField(blank=True)
    public_update = models.TextField(
        blank=True, help_text="What the public status page says about it: no tenant names, no internals."
    )
    affected_conversations = models.PositiveIntegerField(default=0)
    sla_breaches = models.PositiveIntegerField(default=0, help_text="Ticket SLA targets breached during it.")
    escalation_level = models.PositiveSmallIntegerField(
        default=0, help_text="The highest on-call level notified so far (0: nobody yet)."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    detected_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    mitigated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-detected_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedup_key"],
                condition=models.Q(status__in=OPEN_STATUSES) & ~models.Q(dedup_key=""),
                name="incident_one_open_per_dedup_key",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} [{self.severity}] {self.title}"

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    def tenants_concerned(self):
        """The affected tenants and the subject tenant: whom operators act on and judge by."""
        return Tenant.objects.filter(models.Q(incidents=self) | models.Q(pk=self.subject_tenant_id)).distinct()

    @property
    def began_at(self):
        return self.started_at or self.detected_at

    def duration(self, now=None):
        """From the start (or detection) to resolution, or to now while it is still open."""
        return (self.resolved_at or now or timezone.now()) - self.began_at

    @property
    def time_to_acknowledge(self):
        return self.acknowledged_at - self.detected_at if self.acknowledged_at else None

    @property
    def needs_postmortem(self):
        return self.severity in POSTMORTEM_REQUIRED

    @property
    def postmortem_due_at(self):
        """24 hours after resolution, for the severities that need one (sev1, sev2)."""
        return self.resolved_at + POSTMORTEM_DUE_AFTER if self.resolved_at and self.needs_postmortem else None

    def postmortem_overdue(self, now=None):
        due = self.postmortem_due_at
        return bool(due and (now or timezone.now()) > due and not self.has_postmortem)

    @property
    def has_postmortem(self):
        try:
            return self.postmortem is not None
        except Postmortem.DoesNotExist:
            return False


class TimelineEntry(models.Model):
    """One line of the incident's story, in order: written by the service that acted."""

    class Kind(models.TextChoices):
        STATUS = "status", "Status"
        OWNER = "owner", "Owner"
        SEVERITY = "severity", "Severity"
        NOTE = "note", "Note"
        SWITCH = "switch", "Switch"
        CHECK = "check", "Check"
        NOTIFICATION = "notification", "Notification"
        SYSTEM = "system", "System"
        RECOVERY = "recovery", "Recovery"
        CHECKLIST = "checklist", "Checklist"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.TextField()
    data = models.JSONField(default=dict, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name_plural = "timeline entries"
        indexes = [models.Index(fields=["incident", "at"], name="incident_timeline_at")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}: {self.text[:80]}"

    @property
    def author_label(self):
        return self.author.get_username() if self.author_id else "system"


class FollowUp(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="follow_ups")
    title = models.CharField(max_length=300)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incident_follow_ups",
        limit_choices_to={"is_staff": True},
    )
    due_on = models.DateField(null=True, blank=True)
    done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["done", "due_on", "id"]

    def __str__(self):
        return self.title


class Postmortem(models.Model):
    """Written within 24 hours of resolution; a sev1 or sev2 cannot close without one."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="postmortem")
    root_cause = models.TextField()
    resolution_steps = models.TextField()
    detection = models.TextField(help_text="What detected it, and how fast.")
    preventive_actions = models.TextField()
    timeline_snapshot = models.JSONField(default=list, blank=True, help_text="The timeline when it was written.")
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    written_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Postmortem of incident #{self.incident_id}"
