import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


class TenantScopedQuerySet(models.QuerySet):
    """Every tenant-owned model's manager: portal and API code reach rows only through
    `for_tenant`, so another tenant's object is simply not found (a 404)."""

    def for_tenant(self, tenant):
        return self.filter(tenant=tenant)


TenantScopedManager = models.Manager.from_queryset(TenantScopedQuerySet)


class Plan(models.Model):
    name = models.CharField(max_length=64, unique=True)
    monthly_message_limit = models.PositiveIntegerField(help_text="Outbound messages per calendar month.")
    bot_limit = models.PositiveIntegerField(help_text="Active bots at once.")
    ai_daily_limit = models.PositiveIntegerField("AI requests per day", help_text="AI requests per day.")
    ai_monthly_limit = models.PositiveIntegerField("AI requests per month", help_text="AI requests per calendar month.")
    ai_daily_token_limit = models.PositiveIntegerField(
        "AI tokens per day", default=200_000, help_text="Prompt and completion tokens per day."
    )
    ai_monthly_token_limit = models.PositiveIntegerField(
        "AI tokens per month", default=2_000_000, help_text="Prompt and completion tokens per calendar month."
    )

    class Meta:
        ordering = ["monthly_message_limit", "name"]

    def __str__(self):
        return self.name


def validate_timezone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"Unknown time zone {value!r}; use an IANA name such as Europe/Berlin.")


class Tenant(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=64, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="tenants")
    is_whatsapp_enabled = models.BooleanField("WhatsApp enabled", default=True)
    is_ai_enabled = models.BooleanField("AI enabled", default=True)
    ai_daily_limit = models.PositiveIntegerField(
        "AI requests per day", null=True, blank=True, help_text="Overrides the plan when set."
    )
    ai_monthly_limit = models.PositiveIntegerField(
        "AI requests per month", null=True, blank=True, help_text="Overrides the plan when set."
    )
    ai_daily_token_limit = models.PositiveIntegerField(
        "AI tokens per day", null=True, blank=True, help_text="Overrides the plan when set."
    )
    ai_monthly_token_limit = models.PositiveIntegerField(
        "AI tokens per month", null=True, blank=True, help_text="Overrides the plan when set."
    )
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    whatsapp_disabled_at = models.DateTimeField(null=True, blank=True)
    whatsapp_disabled_for_ban = models.BooleanField(
        default=False, help_text="WhatsApp was switched off because the number was banned."
    )
    suspended_reason = models.CharField(max_length=500, blank=True)
    manual_mode_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Fallback manual mode is on since then (empty: off): AI replies and drafts stop, customers' "
        "WhatsApp and Telegram messages become tickets answered by hand.",
    )
    manual_mode_reason = models.CharField(max_length=500, blank=True)
    manual_mode_notice = models.TextField(
        blank=True,
        help_text="Sent once per conversation while manual mode is on; empty: the standard notice.",
    )
    fallback_email = models.EmailField(
        blank=True, help_text="Where customers may write while answers are by hand (named in the notice)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_active(self):
        return self.status == self.Status.ACTIVE

    @property
    def effective_ai_daily_limit(self):
        return self.ai_daily_limit if self.ai_daily_limit is not None else self.plan.ai_daily_limit

    @property
    def effective_ai_monthly_limit(self):
        return self.ai_monthly_limit if self.ai_monthly_limit is not None else self.plan.ai_monthly_limit

    @property
    def effective_ai_daily_token_limit(self):
        own = self.ai_daily_token_limit
        return own if own is not None else self.plan.ai_daily_token_limit

    @property
    def effective_ai_monthly_token_limit(self):
        own = self.ai_monthly_token_limit
        return own if own is not None else self.plan.ai_monthly_token_limit


class SystemSettings(models.Model):
    """The platform's global switches: a single row, read through `SystemSettings.load()`."""

    class AiProvider(models.TextChoices):
        OPENROUTER = "openrouter", "OpenRouter"
        OPENAI = "openai", "OpenAI"
        MOCK = "mock", "Mock (canned answers)"

    global_whatsapp_enabled = models.BooleanField(default=True)
    default_ai_provider = models.CharField(max_length=16, choices=AiProvider.choices, default=AiProvider.OPENROUTER)
    maintenance_banner = models.CharField(max_length=500, blank=True)
    manual_mode_since = models.DateTimeField(
        null=True, blank=True, help_text="Platform-wide fallback manual mode is on since then (empty: off)."
    )
    manual_mode_reason = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "system settings"
        verbose_name_plural = "system settings"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="system_settings_single_row")]

    def __str__(self):
        return "System settings"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls):
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ADMIN = "admin", "Admin"
        AGENT = "agent", "Agent"
        VIEWER = "viewer", "Viewer"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantScopedManager()

    class Meta:
        ordering = ["tenant__name", "user__username"]
        constraints = [models.UniqueConstraint(fields=["user", "tenant"], name="membership_user_tenant_unique")]

    def __str__(self):
        return f"{self.user} @ {self.tenant} ({self.role})"


class UsageCounter(models.Model):
    """Usage of one metric by one tenant on one day; months are sums of days.

    The `bots` metric is a gauge: its value is the current count, kept on the row of the day
    it last changed, and read as the latest row."""

    class Metric(models.TextChoices):
        MESSAGES_SENT = "messages_sent", "Messages sent"
        AI_REQUESTS = "ai_requests", "AI requests"
        AI_TOKENS = "ai_tokens", "AI tokens"
        BOTS = "bots", "Active bots"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="usage_counters")
    metric = models.CharField(max_length=32, choices=Metric.choices)
    day = models.DateField()
    value = models.PositiveIntegerField(default=0)

    objects = TenantScopedManager()

    class Meta:
        ordering = ["-day", "metric"]
        constraints = [models.UniqueConstraint(fields=["tenant", "metric", "day"], name="usage_counter_unique_day")]

    def __str__(self):
        return f"{self.tenant} {self.metric} {self.day}: {self.value}"
