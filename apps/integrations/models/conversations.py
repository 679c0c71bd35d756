from django.db import models

from apps.tenants.models import TenantScopedManager


class Conversation(models.Model):
    """One contact's thread on one connection: a WhatsApp or Telegram chat, or a Chatwoot
    conversation (whose status Chatwoot reports)."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="conversations")
    connection = models.ForeignKey("integrations.Connection", on_delete=models.CASCADE, related_name="conversations")
    external_id = models.CharField(
        "external ID", max_length=255, help_text="Chat id, phone number or Chatwoot conversation id."
    )
    channel = models.CharField(max_length=16)
    contact_id = models.CharField("contact", max_length=255, blank=True)
    contact_name = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=32, blank=True, help_text="Chatwoot: open, resolved, pending, snoozed.")
    last_message_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantScopedManager()

    class Meta:
        ordering = ["-last_message_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "external_id"], name="conversation_once_per_connection"),
        ]

    def __str__(self):
        return f"{self.contact_name or self.contact_id or self.external_id} ({self.channel})"


class ConversationMessage(models.Model):
    """A message of a conversation a provider told us about (WhatsApp, Telegram, Chatwoot).

    Unique per (connection, provider message id), so a replayed or duplicated delivery updates the
    row it already wrote instead of adding a second one."""

    class Direction(models.TextChoices):
        INBOUND = "inbound", "From the contact"
        OUTBOUND = "outbound", "To the contact"

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="conversation_messages")
    connection = models.ForeignKey(
        "integrations.Connection", on_delete=models.CASCADE, related_name="conversation_messages"
    )
    inbound_event = models.ForeignKey(
        "integrations.InboundEvent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversation_messages",
    )
    channel = models.CharField(max_length=16, help_text="whatsapp_cloud, waha, telegram or chatwoot")
    direction = models.CharField(max_length=8, choices=Direction.choices, default=Direction.INBOUND)
    provider_message_id = models.CharField("provider message ID", max_length=255)
    conversation = models.ForeignKey(
        Conversation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
    )
    contact_id = models.CharField("contact", max_length=255, help_text="Phone number, chat id or Chatwoot contact id.")
    contact_name = models.CharField(max_length=255, blank=True)
    message_type = models.CharField(max_length=32, default="text")
    text = models.TextField(blank=True)
    sent_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantScopedManager()

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "provider_message_id"], name="conversation_message_once"),
        ]
        indexes = [models.Index(fields=["tenant", "contact_id", "-sent_at"], name="conversation_contact_time")]

    def __str__(self):
        return f"{self.contact_id}: {self.text[:40]}"
