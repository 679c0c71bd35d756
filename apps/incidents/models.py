from django.conf import settings
from django.db import models


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
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_incidents",
    )
    affected_tenants = models.ManyToManyField("tenants.Tenant", blank=True, related_name="incidents")
    root_cause_hypothesis = models.TextField(blank=True)
    impact = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    detected_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    mitigated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-detected_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedup_key"], condition=models.Q(status__in=OPEN_STATUSES) & ~models.Q(dedup_key=""),
                name="incident_one_open_per_dedup_key",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} [{self.severity}] {self.title}"

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES
