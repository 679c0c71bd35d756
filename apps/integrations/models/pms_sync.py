from django.db import models
from django.utils import timezone

from apps.tenants.models import TenantScopedManager


class PmsSyncRun(models.Model):
    """One manual (or command-line) sync of a PMS connection's reservations: what was fetched,
    what the webhooks had missed (`gaps`: reservations Opsdesk lacked or held in an older state)
    and what was applied. A failed run keeps the PMS's error."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="pms_sync_runs")
    connection = models.ForeignKey("integrations.Connection", on_delete=models.CASCADE, related_name="pms_sync_runs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    since = models.DateTimeField(help_text="Reservations changed at or after this time were fetched.")
    requested_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    fetched = models.PositiveIntegerField(default=0)
    missing = models.PositiveIntegerField(default=0, help_text="Reservations Opsdesk did not have.")
    outdated = models.PositiveIntegerField(default=0, help_text="Reservations Opsdesk held in an older state.")
    applied = models.PositiveIntegerField(default=0)
    gaps = models.JSONField(default=list, blank=True, help_text="What the webhooks had missed, one entry each.")
    error = models.TextField(blank=True)

    objects = TenantScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["connection", "status", "-finished_at"], name="pms_sync_last_success")]

    def __str__(self):
        return f"PMS sync of {self.connection} at {self.created_at:%Y-%m-%d %H:%M} UTC ({self.status})"
