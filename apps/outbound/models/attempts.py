from django.db import models

from apps.tenants.models import TenantScopedManager


class OutboundAttempt(models.Model):
    """One try at sending a message: what was sent (a summary, never a secret), what came back,
    how it was classified and how long it took. Append-only."""

    class Outcome(models.TextChoices):
        SUCCESS = "success", "Success"
        RETRYABLE = "retryable", "Retryable error"
        PERMANENT = "permanent", "Permanent error"
        AUTH = "auth", "Credentials expired or invalid"

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="outbound_attempts")
    message = models.ForeignKey("outbound.OutboundMessage", on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    error_title = models.CharField(max_length=500, blank=True)
    provider_message_id = models.CharField("provider message ID", max_length=255, blank=True)
    latency_ms = models.PositiveIntegerField("latency (ms)", default=0)
    retry_after_s = models.FloatField("Retry-After (s)", null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    request_summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    objects = TenantScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "-created_at"], name="outbound_attempt_time")]

    def __str__(self):
        return f"attempt {self.number} of message #{self.message_id}: {self.outcome}"
