import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiKeyQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        return self.filter(tenant=tenant)

    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiKey(models.Model):
    """A bearer key for `/api/v1/`: either a tenant's (reaches that tenant's data) or an
    operator's (a staff user's; reaches the operator endpoints). Only a hash is stored; the key
    itself is shown once, when it is made."""

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True, help_text="Public part, to recognise the key.")
    key_hash = models.CharField(max_length=64)
    tenant = models.ForeignKey(
        "tenants.Tenant", null=True, blank=True, on_delete=models.CASCADE, related_name="api_keys"
    )
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="operator_api_keys"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(tenant__isnull=False, staff_user__isnull=True)
                    | models.Q(tenant__isnull=True, staff_user__isnull=False)
                ),
                name="api_key_tenant_xor_staff",
            ),
        ]

    def __str__(self):
        owner = self.tenant.slug if self.tenant_id else f"operator {self.staff_user}"
        return f"{self.name} ({self.prefix}…, {owner})"

    @property
    def is_operator_key(self):
        return self.staff_user_id is not None

    @property
    def is_revoked(self):
        return self.revoked_at is not None


class TelegramLink(models.Model):
    """A Telegram account bound to an Opsdesk user through the platform's bot (`/bind <code>`): where
    that user's on-call alerts and, for the platform owner, signup requests go."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="telegram_link")
    telegram_user_id = models.BigIntegerField("Telegram user ID", unique=True)
    chat_id = models.BigIntegerField("Telegram chat ID")
    telegram_username = models.CharField(max_length=64, blank=True)
    bound_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "Telegram link"

    def __str__(self):
        handle = f"@{self.telegram_username}" if self.telegram_username else str(self.telegram_user_id)
        return f"{self.user} ↔ {handle}"


class TelegramBindCode(models.Model):
    """A one-time code that binds the Telegram account which sends `/bind <code>` to `user`. Only its
    hash is stored; it is shown once (profile page, `manage.py telegram_bind_code`)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="telegram_bind_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"bind code for {self.user} (expires {self.expires_at:%Y-%m-%d %H:%M} UTC)"


class PendingSignup(models.Model):
    """An applicant's signup waiting for the platform owner's approval (a button in Telegram) or the
    PIN the owner gives them. The password is stored hashed and the PIN as an HMAC with
    SIGNUP_PIN_SECRET; the tenant and user are created only when it completes."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved by the owner"
        COMPLETED = "completed", "Completed"
        REJECTED = "rejected", "Rejected by the owner"
        EXPIRED = "expired", "Expired"
        BURNED = "burned", "PIN burned (too many wrong tries)"
        CANCELLED = "cancelled", "Cancelled"
        FAILED = "failed", "PIN not sent (Telegram failed)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.CharField(max_length=200)
    slug = models.SlugField(max_length=64)
    email = models.EmailField()
    password_hash = models.CharField(max_length=256)
    time_zone = models.CharField(max_length=64, default="UTC")
    ip = models.GenericIPAddressField("IP address", null=True, blank=True)
    pin_hmac = models.CharField("PIN (HMAC)", max_length=64)
    pin_expires_at = models.DateTimeField("PIN expires at")
    wrong_tries = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    owner_chat_id = models.BigIntegerField("owner's Telegram chat ID", null=True, blank=True)
    owner_message_id = models.BigIntegerField("owner's Telegram message ID", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    tenant = models.ForeignKey(
        "tenants.Tenant", null=True, blank=True, on_delete=models.SET_NULL, related_name="signups"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="signups"
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(
        max_length=300, blank=True, help_text="Why it ended as it did: who cancelled it, what Telegram answered."
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["email", "created_at"], name="signup_email_recent"),
            models.Index(fields=["ip", "created_at"], name="signup_ip_recent"),
        ]

    def __str__(self):
        return f"{self.company} <{self.email}> ({self.get_status_display()})"
