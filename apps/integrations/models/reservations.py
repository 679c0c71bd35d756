from django.db import models

from apps.tenants.models import TenantScopedManager


class Reservation(models.Model):
    """A hotel reservation as the tenant's PMS reported it, with its lifecycle.

    `last_event_at` is the time of the newest PMS event applied, so an event that arrives late
    (after a newer one) is recorded in the history but does not roll the state back."""

    class Status(models.TextChoices):
        CREATED = "created", "Created"
        MODIFIED = "modified", "Modified"
        CANCELLED = "cancelled", "Cancelled"
        CHECKED_IN = "checked_in", "Checked in"
        CHECKED_OUT = "checked_out", "Checked out"
        NO_SHOW = "no_show", "No-show"

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="reservations")
    connection = models.ForeignKey("integrations.Connection", on_delete=models.CASCADE, related_name="reservations")
    external_id = models.CharField("external ID", max_length=255)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CREATED)
    guest_name = models.CharField(max_length=255, blank=True)
    guest_phone = models.CharField(max_length=64, blank=True)
    guest_email = models.CharField(max_length=255, blank=True)
    room = models.CharField(max_length=64, blank=True)
    check_in = models.DateField(null=True, blank=True)
    check_out = models.DateField(null=True, blank=True)
    last_event_type = models.CharField(max_length=64, blank=True)
    last_event_at = models.DateTimeField(null=True, blank=True)
    history = models.JSONField(default=list, blank=True, help_text="Every PMS event applied, oldest first.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantScopedManager()

    class Meta:
        ordering = ["-check_in", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "external_id"], name="reservation_once_per_connection"),
        ]

    def __str__(self):
        return f"{self.external_id} {self.guest_name} ({self.status})"
