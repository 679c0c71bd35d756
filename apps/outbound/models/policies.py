from django.conf import settings
from django.db import models

from apps.outbound.models.messages import Channel
from apps.tenants.models import TenantScopedManager


class Via(models.TextChoices):
    KEYWORD = "keyword", "Contact sent a keyword"
    PORTAL = "portal", "Portal"
    ADMIN = "admin", "Admin"
    API = "api", "API"
    PROVIDER = "provider", "Provider reported it"


class ContactChannelPolicy(models.Model):
    """What one tenant may send one contact on one channel: opt-out (when, how, who), whether a
    reply stops sequences, the frequency cap (None: the tenant's default) with the counter of the
    current window, the last send (per-contact spacing) and the last inbound message (the
    WhatsApp 24-hour window)."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="contact_policies")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    contact_id = models.CharField("contact", max_length=128)
    contact_name = models.CharField(max_length=255, blank=True)
    opted_out = models.BooleanField(default=False)
    opted_out_at = models.DateTimeField(null=True, blank=True)
    opted_out_via = models.CharField(max_length=16, choices=Via.choices, blank=True)
    opted_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opted_out_by_label = models.CharField("opted out by", max_length=150, blank=True)
    opted_out_note = models.CharField(max_length=500, blank=True, help_text="The keyword, or the reason given.")
    opted_in_at = models.DateTimeField(null=True, blank=True)
    opted_in_via = models.CharField(max_length=16, choices=Via.choices, blank=True)
    opted_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opted_in_by_label = models.CharField("opted in by", max_length=150, blank=True)
    opted_in_note = models.CharField(max_length=500, blank=True)
    stop_on_reply = models.BooleanField(default=False, help_text="New messages to this contact stop when they reply.")
    frequency_cap = models.PositiveIntegerField(
        null=True, blank=True, help_text="Messages per window; empty: the tenant's default."
    )
    frequency_window_s = models.PositiveIntegerField(
        "frequency window (s)", null=True, blank=True, help_text="Seconds; empty: the tenant's default."
    )
    window_started_at = models.DateTimeField(null=True, blank=True)
    window_count = models.PositiveIntegerField(default=0)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = "contact channel policy"
        verbose_name_plural = "contact channel policies"
        ordering = ["tenant", "contact_id", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "contact_id", "channel"], name="contact_policy_once"),
        ]

    def __str__(self):
        label = f"{self.contact_name} ({self.contact_id})" if self.contact_name else self.contact_id
        return f"{label} on {self.get_channel_display()}"


class OutboundSettings(models.Model):
    """A tenant's outbound defaults: the frequency cap new contacts get, its own STOP words and the
    opt-out confirmation text. A tenant without a row uses OUTBOUND_DEFAULT_* settings."""

    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.CASCADE, related_name="outbound_settings")
    frequency_cap = models.PositiveIntegerField(help_text="Messages per contact per window.")
    frequency_window_s = models.PositiveIntegerField("frequency window (s)", help_text="Window length in seconds.")
    stop_words = models.CharField(
        max_length=500,
        blank=True,
        help_text="Extra single-word opt-out keywords, comma-separated (e.g. ABMELDEN, BAJA).",
    )
    opt_out_confirmation = models.CharField(
        max_length=1000, blank=True, help_text="Sent once after an opt-out; empty: the default text."
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = "tenant outbound settings"
        verbose_name_plural = "tenant outbound settings"

    def __str__(self):
        return f"Outbound settings of {self.tenant}"
