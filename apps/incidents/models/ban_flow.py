"""The WhatsApp ban procedure as a guided flow: one row per ban, its step and the times each step
needs (the cooldown's end, the watch's end). `apps.incidents.services.ban_flow` moves it."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class BanFlow(models.Model):
    class Step(models.TextChoices):
        COOLDOWN = "cooldown", "1–2. WhatsApp off, cooling down"
        NEW_SESSION = "new_session", "3. New session on another device (scan the QR)"
        WATCHING = "watching", "4–5. Re-enabled, watched for an hour"
        DONE = "done", "Done: the watch passed"
        WATCH_FAILED = "watch_failed", "The watch saw a failure: incident reopened"
        ABANDONED = "abandoned", "Abandoned"

    OPEN_STEPS = (Step.COOLDOWN, Step.NEW_SESSION, Step.WATCHING)

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="ban_flows")
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="ban_flows")
    connection = models.ForeignKey(
        "integrations.Connection", on_delete=models.SET_NULL, null=True, blank=True, related_name="ban_flows"
    )
    step = models.CharField(max_length=16, choices=Step.choices, default=Step.COOLDOWN)
    reason = models.TextField()
    banned_device_name = models.CharField(max_length=200, blank=True)
    new_device_name = models.CharField(max_length=200, blank=True)
    disabled_at = models.DateTimeField(default=timezone.now)
    cooldown_until = models.DateTimeField()
    session_created_at = models.DateTimeField(null=True, blank=True)
    reenabled_at = models.DateTimeField(null=True, blank=True)
    watch_until = models.DateTimeField(null=True, blank=True)
    watch_checks = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = models.Manager()

    class Meta:
        ordering = ["-disabled_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"],
                condition=models.Q(step__in=["cooldown", "new_session", "watching"]),
                name="ban_flow_one_open_per_tenant",
            )
        ]

    def __str__(self):
        return f"WhatsApp ban of {self.tenant} ({self.get_step_display()})"

    @property
    def is_open(self):
        return self.step in self.OPEN_STEPS
