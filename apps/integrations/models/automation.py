from django.db import models
from django.utils import timezone

from apps.tenants.models import TenantScopedManager


class Bot(models.Model):
    """A tenant's automation: inbound messages start a run, answered by its n8n workflow or, in AI
    mode, by the AI gateway with the bot's system prompt."""

    class Mode(models.TextChoices):
        N8N = "n8n", "n8n workflow"
        AI = "ai", "AI (through the gateway)"

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="bots")
    name = models.CharField(max_length=200)
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.N8N)
    workflow_path = models.CharField(
        max_length=300, blank=True, help_text="n8n mode: the n8n webhook path, e.g. webhook/hotel-concierge."
    )
    system_prompt = models.TextField(blank=True, help_text="AI mode: the instructions the model answers under.")
    model = models.CharField(
        max_length=200, blank=True, help_text="AI mode: the provider's model name; empty uses the provider's default."
    )
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantScopedManager()

    class Meta:
        ordering = ["tenant__name", "name"]

    def __str__(self):
        return self.name


class AutomationRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        TIMEOUT = "timeout", "Timed out"

    FINAL = (Status.SUCCEEDED, Status.FAILED, Status.TIMEOUT)

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="automation_runs")
    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="runs")
    inbound_event = models.ForeignKey(
        "integrations.InboundEvent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="automation_runs",
    )
    message = models.ForeignKey(
        "integrations.ConversationMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="automation_runs",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    n8n_execution_id = models.CharField("n8n execution ID", max_length=100, blank=True)
    error = models.TextField(blank=True)
    reply = models.TextField(blank=True, help_text="What the workflow answered, sent through the outbound pipeline.")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = TenantScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bot", "message"],
                condition=models.Q(message__isnull=False),
                name="automation_run_once_per_message",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "started_at"], name="automation_run_status_time"),
            models.Index(fields=["tenant", "-created_at"], name="automation_run_tenant_time"),
        ]

    def __str__(self):
        return f"run {self.pk} of {self.bot} ({self.status})"

    @property
    def duration_seconds(self):
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None
