"""Fallback manual mode's conversations: a customer's WhatsApp or Telegram chat answered by hand
in an Opsdesk ticket while automation is down. The switch itself lives on the tenant
(`Tenant.manual_mode_since`) and on `SystemSettings`; `apps.tenants.policy` decides from it."""

from django.db import models

from apps.outbound.models import Channel
from apps.tenants.models import TenantScopedManager


class Conversation(models.Model):
    """One customer (tenant + connection + contact) answered in one ticket. At most one is open per
    connection and contact: the unique constraint is what makes the notice go out once, even when
    two of the customer's messages are processed at the same moment."""

    class State(models.TextChoices):
        OPEN = "open", "Open (answered by hand)"
        HANDED_BACK = "handed_back", "Handed back to automation"
        ENDED = "ended", "Ended (its ticket was closed)"

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="manual_conversations")
    connection = models.ForeignKey(
        "integrations.Connection", on_delete=models.CASCADE, related_name="manual_conversations"
    )
    channel = models.CharField(max_length=16, help_text="The outbound channel replies go out on.")
    contact_id = models.CharField("contact", max_length=128)
    contact_name = models.CharField(max_length=255, blank=True)
    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="manual_conversation")
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    opened_at = models.DateTimeField()
    last_customer_message_at = models.DateTimeField()
    notice = models.OneToOneField(
        "outbound.OutboundMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="manual_notice_of",
        help_text="The one 'we are answering by hand' notice this conversation got.",
    )
    handed_back_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=500, blank=True, help_text="What the hand-back note said.")

    objects = TenantScopedManager()

    class Meta:
        verbose_name = "manual-mode conversation"
        ordering = ["-last_customer_message_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "contact_id"],
                condition=models.Q(state="open"),
                name="fallback_one_open_conversation",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "state"], name="fallback_conv_tenant_state")]

    def __str__(self):
        return f"{self.contact_name or self.contact_id} on {self.channel_label} (ticket #{self.ticket_id})"

    @property
    def channel_label(self) -> str:
        """ "WhatsApp Cloud API", "WhatsApp (WAHA)", "Telegram": the outbound channel's name."""
        return dict(Channel.choices).get(self.channel, self.channel)


class CustomerMessage(models.Model):
    """A customer's message taken into the ticket, once: a redelivered message is found here."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="customer_messages")
    provider_message_id = models.CharField("provider message ID", max_length=255)
    ticket_message = models.OneToOneField("tickets.TicketMessage", on_delete=models.CASCADE, related_name="+")
    received_at = models.DateTimeField()

    objects = TenantScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "provider_message_id"], name="fallback_customer_message_once"
            ),
        ]

    def __str__(self):
        return f"{self.provider_message_id} → ticket #{self.conversation.ticket_id}"


class Reply(models.Model):
    """An agent's public reply on a manual-mode ticket and the outbound message that carries it to
    the customer (preflight included); `refusal` says why there is none."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="replies")
    ticket_message = models.OneToOneField(
        "tickets.TicketMessage", on_delete=models.CASCADE, related_name="manual_reply"
    )
    outbound_message = models.OneToOneField(
        "outbound.OutboundMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="manual_reply"
    )
    refusal = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()

    objects = TenantScopedManager()

    class Meta:
        verbose_name_plural = "replies"
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"Reply on ticket #{self.conversation.ticket_id}"
