from django.db import models
from django.utils import timezone

from apps.tenants.models import TenantScopedQuerySet


class InboundEventQuerySet(TenantScopedQuerySet):
    def due(self, now=None):
        """Stored and waiting: new deliveries and failed ones whose retry time has come."""
        now = now or timezone.now()
        return self.filter(
            models.Q(status=InboundEvent.Status.RECEIVED)
            | models.Q(status=InboundEvent.Status.FAILED, next_attempt_at__lte=now)
        )

    def dead_letters(self):
        return self.filter(status=InboundEvent.Status.DEAD_LETTERED)


class InboundEvent(models.Model):
    """One item a provider delivered to a webhook, stored before it is acknowledged.

    The unique (provider, connection, external id) makes a second delivery of the same item a
    no-op (for the platform's own deliveries, which have no connection, (provider, external id)),
    so a provider's retries and duplicates are processed once. A batched delivery (Meta sends
    several messages and statuses in one POST) becomes one row per item; each row keeps the raw
    body it came in."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSING = "processing", "Processing"
        PROCESSED = "processed", "Processed"
        FAILED = "failed", "Failed (will retry)"
        DEAD_LETTERED = "dead_lettered", "Dead-lettered"
        IGNORED = "ignored", "Ignored"

    provider = models.CharField(max_length=16)
    connection = models.ForeignKey(
        "integrations.Connection",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="inbound_events",
        help_text="Empty for the platform's own deliveries (the platform Telegram bot), which belong to no tenant.",
    )
    tenant = models.ForeignKey(
        "tenants.Tenant", null=True, blank=True, on_delete=models.CASCADE, related_name="inbound_events"
    )
    external_id = models.CharField("external ID", max_length=255)
    event_type = models.CharField(max_length=100)
    headers = models.JSONField(default=dict, blank=True)
    raw_body = models.TextField()
    payload = models.JSONField(default=dict, blank=True, help_text="The item of the delivery this row is about.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    correlation_id = models.CharField("correlation ID", max_length=128, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    processing_started_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    dead_lettered_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InboundEventQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "connection", "external_id"], name="inbound_event_once"),
            models.UniqueConstraint(
                fields=["provider", "external_id"],
                condition=models.Q(connection__isnull=True),
                name="inbound_event_once_platform",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="inbound_status_due"),
            models.Index(fields=["tenant", "-received_at"], name="inbound_tenant_time"),
            models.Index(fields=["provider", "status", "-received_at"], name="inbound_provider_status"),
        ]

    def __str__(self):
        return f"{self.provider} {self.event_type} {self.external_id}"

    @property
    def is_final(self):
        return self.status in (self.Status.PROCESSED, self.Status.DEAD_LETTERED, self.Status.IGNORED)


class DeadLetter(InboundEvent):
    """Inbound events that ran out of retries: the admin's dead-letter view."""

    class Meta:
        proxy = True
        verbose_name = "dead letter"
        verbose_name_plural = "dead letters"
