from django.conf import settings
from django.db import models

from apps.tenants.models import TenantScopedManager


class Channel(models.TextChoices):
    WHATSAPP_CLOUD = "whatsapp_cloud", "WhatsApp Cloud API"
    WAHA = "waha", "WhatsApp (WAHA)"
    TELEGRAM = "telegram", "Telegram"


# The connection provider each channel sends through, and back.
PROVIDER_OF = {Channel.WHATSAPP_CLOUD: "meta", Channel.WAHA: "waha", Channel.TELEGRAM: "telegram"}
CHANNEL_OF = {provider: channel for channel, provider in PROVIDER_OF.items()}
WHATSAPP_CHANNELS = (Channel.WHATSAPP_CLOUD, Channel.WAHA)


class Kind(models.TextChoices):
    TRANSACTIONAL = "transactional", "Transactional"
    MARKETING = "marketing", "Marketing"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    READ = "read", "Read"
    FAILED = "failed", "Failed"
    BLOCKED_OPT_OUT = "blocked_opt_out", "Blocked: contact opted out"
    FREQUENCY_CAPPED = "frequency_capped", "Held: frequency cap reached"
    BLOCKED_POLICY = "blocked_policy", "Blocked by policy"
    CANCELED = "canceled", "Canceled"


REFUSED = (Status.BLOCKED_OPT_OUT, Status.FREQUENCY_CAPPED, Status.BLOCKED_POLICY)


class Source(models.TextChoices):
    API = "api", "API"
    PORTAL = "portal", "Portal"
    ADMIN = "admin", "Admin"
    AUTOMATION = "automation", "Automation"
    SYSTEM = "system", "System"


class OutboundMessage(models.Model):
    """One message to one contact. Its status changes only through `apps.outbound.states.transition`;
    the preflight verdict (code, reason, time) of the last check is kept on the row."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="outbound_messages")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    connection = models.ForeignKey(
        "integrations.Connection", on_delete=models.RESTRICT, related_name="outbound_messages"
    )
    contact_id = models.CharField("contact", max_length=128, help_text="Phone number (digits) or chat id.")
    contact_name = models.CharField(max_length=255, blank=True)
    body = models.TextField(blank=True)
    template = models.JSONField(null=True, blank=True, help_text="WhatsApp template: name, language, parameters.")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.TRANSACTIONAL)
    stop_on_reply = models.BooleanField(
        default=False, help_text="Part of a sequence that stops when the contact replies."
    )
    is_opt_out_confirmation = models.BooleanField("opt-out confirmation", default=False, editable=False)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.API)
    automation_run = models.ForeignKey(
        "integrations.AutomationRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="outbound_messages"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    preflight_code = models.CharField(max_length=40, blank=True)
    preflight_reason = models.CharField(max_length=500, blank=True)
    preflight_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_code = models.CharField(max_length=40, blank=True)
    provider_message_id = models.CharField("provider message ID", max_length=255, blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="Send attempts in all.")
    round_attempts = models.PositiveIntegerField(default=0, help_text="Attempts since the last approval or retry.")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_label = models.CharField("created by", max_length=150, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by_label = models.CharField("approved by", max_length=150, blank=True)
    created_at = models.DateTimeField()
    approved_at = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    sending_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    blocked_at = models.DateTimeField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    objects = TenantScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "-created_at"], name="outbound_tenant_time"),
            models.Index(fields=["status", "next_attempt_at"], name="outbound_due"),
            models.Index(fields=["connection", "provider_message_id"], name="outbound_provider_id"),
            models.Index(fields=["tenant", "channel", "contact_id"], name="outbound_contact"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(body="") | models.Q(template__isnull=False), name="outbound_body_or_template"
            ),
        ]

    def __str__(self):
        return f"#{self.pk} to {self.contact_name or self.contact_id} ({self.get_channel_display()}, {self.status})"

    @property
    def reason(self) -> str:
        """Why the message is where it is: a refusal's reason, a hold's, or the last error."""
        if self.status in REFUSED or (self.status == Status.QUEUED and self.preflight_code not in ("", "OK")):
            return self.preflight_reason
        return self.last_error

    @property
    def text_preview(self) -> str:
        if self.template:
            return f"template {self.template.get('name', '')} ({self.template.get('language', '')})"
        return self.body[:80]
