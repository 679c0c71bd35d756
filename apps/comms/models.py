"""Who hears of incidents and what they were told. Status page subscribers (double opt-in), the
announcements the incident lifecycle produced, the notices tenants see in their portal, the
editable templates those notices and owners' e-mails are written from, and one delivery row per
e-mail, sent through `apps.core.outbox`. Every change goes through `apps.comms.services`."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.tenants.models import TenantScopedManager


class Subscriber(models.Model):
    """An e-mail address that asked for status page updates. Nothing but the confirmation e-mail is
    sent to it before it confirms. The link's token is an HMAC (the secret key) of the row and a
    nonce, stored only as its SHA-256: the database alone cannot confirm anyone."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for confirmation"
        CONFIRMED = "confirmed", "Confirmed"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"

    email = models.EmailField(max_length=254, unique=True, help_text="Normalised: trimmed and lower case.")
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING, db_index=True)
    token_nonce = models.CharField(max_length=32, blank=True, help_text="With the secret key, makes the link's token.")
    token_hash = models.CharField(max_length=64, blank=True, db_index=True, help_text="SHA-256 of the link's token.")
    token_expires_at = models.DateTimeField(null=True, blank=True)
    requested_ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    requested_at = models.DateTimeField(default=timezone.now, help_text="The latest request to subscribe.")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.email

    @property
    def is_confirmed(self):
        return self.state == self.State.CONFIRMED


class SubscribeAttempt(models.Model):
    """One accepted request to subscribe: what the per-address and per-network rate limits count."""

    email = models.EmailField(max_length=254)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["email", "at"], name="comms_attempt_email_at"),
            models.Index(fields=["ip", "at"], name="comms_attempt_ip_at"),
        ]

    def __str__(self):
        return f"{self.email} from {self.ip or '?'} at {self.at:%Y-%m-%d %H:%M} UTC"


class Kind(models.TextChoices):
    OPENED = "opened", "Incident opened"
    UPDATED = "updated", "Public update changed"
    RESOLVED = "resolved", "Incident resolved"


class Announcement(models.Model):
    """One moment of an incident worth telling people about, with what the public may read of it
    then (the public update, the public impact and status labels). Subscribers are told of
    `public` updates and resolutions; affected tenants of every kind."""

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="announcements")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    public = models.BooleanField(default=False, help_text="Shown on the status page, so subscribers hear of it.")
    impact = models.CharField(max_length=40, help_text="The public words for its severity.")
    status_label = models.CharField(max_length=40)
    public_update = models.TextField(blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)
    fanned_out_at = models.DateTimeField(
        null=True, blank=True, help_text="When the subscribers' deliveries were made (the sweeper makes late ones)."
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident"], condition=Q(kind="opened"), name="comms_one_opened_per_incident"
            )
        ]
        indexes = [models.Index(fields=["fanned_out_at", "occurred_at"], name="comms_announcement_fanout")]

    def __str__(self):
        return f"{self.get_kind_display()} — incident #{self.incident_id} ({self.occurred_at:%Y-%m-%d %H:%M} UTC)"


class NoticeTemplate(models.Model):
    """What affected tenants read, per kind of announcement: the portal notice and the owners'
    e-mail. Placeholders are checked when saved (`apps.comms.placeholders`)."""

    kind = models.CharField(max_length=10, choices=Kind.choices, unique=True)
    notice = models.CharField(max_length=300, help_text="The portal notice (one line).")
    subject = models.CharField(max_length=200, help_text="The owners' e-mail subject.")
    body = models.TextField(help_text="The owners' e-mail body.")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind"]

    def __str__(self):
        return f"Template: {self.get_kind_display()}"


class TenantNotice(models.Model):
    """What one affected tenant sees in its portal about one announcement."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="incident_notices")
    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="tenant_notices")
    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.CharField(max_length=1000)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "announcement"], name="comms_one_notice_per_tenant_announcement")
        ]
        indexes = [models.Index(fields=["tenant", "created_at"], name="comms_notice_tenant_created")]

    def __str__(self):
        return self.text[:80]


class Delivery(models.Model):
    """One e-mail: to a status page subscriber, a tenant's owner or the internal summary list.
    Unique per recipient and announcement, so each is sent once however often it is retried."""

    class Audience(models.TextChoices):
        SUBSCRIBER = "subscriber", "Status page subscriber"
        OWNER = "owner", "Tenant owner"
        SUMMARY = "summary", "Internal summary"
        CONFIRMATION = "confirmation", "Subscription confirmation"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    audience = models.CharField(max_length=12, choices=Audience.choices)
    announcement = models.ForeignKey(
        Announcement, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    subscriber = models.ForeignKey(
        Subscriber, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    notice = models.ForeignKey(TenantNotice, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries")
    tenant = models.ForeignKey(
        "tenants.Tenant", null=True, blank=True, on_delete=models.CASCADE, related_name="incident_deliveries"
    )
    recipient = models.EmailField(max_length=254)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    status = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = TenantScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "subscriber"],
                condition=Q(subscriber__isnull=False, announcement__isnull=False),
                name="comms_one_delivery_per_subscriber_announcement",
            ),
            models.UniqueConstraint(
                fields=["notice", "recipient"], condition=Q(notice__isnull=False), name="comms_one_delivery_per_owner"
            ),
            models.UniqueConstraint(
                fields=["announcement", "recipient"],
                condition=Q(audience="summary"),
                name="comms_one_summary_per_recipient",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="comms_delivery_status_created")]

    def __str__(self):
        return f"{self.get_audience_display()} e-mail to {self.recipient}"
