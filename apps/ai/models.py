"""The AI gateway's data: one row per AI call, the providers' circuits, the price table and each
tenant's texts for when the AI cannot or must not answer."""

from django.db import models

from apps.tenants.models import TenantScopedManager


class Feature(models.TextChoices):
    BOT_REPLY = "bot_reply", "Bot reply"
    API = "api", "API (chat completions)"
    DRAFT = "draft", "Chatwoot draft"
    PROBE = "probe", "Provider probe"


class Outcome(models.TextChoices):
    ANSWERED = "answered", "Answered by a provider"
    FALLBACK = "fallback", "Fallback text (every provider failed)"
    MOCK = "mock", "Mock provider (kill switch or no provider configured)"
    REFUSED_POLICY = "refused_policy", "Refused by policy (switch or limit)"
    REFUSED_GUARDRAIL = "refused_guardrail", "Refused by the input guardrail"
    BLOCKED_OUTPUT = "blocked_output", "Answer blocked by the output guardrail"
    THROTTLED = "throttled", "Throttled (abuse)"
    INVALID = "invalid", "Invalid request"


class Guardrail(models.TextChoices):
    PASSED = "passed", "Passed"
    INPUT_BLOCKED = "input_blocked", "Input blocked"
    OUTPUT_BLOCKED = "output_blocked", "Output blocked"
    NOT_CHECKED = "not_checked", "Not checked"


class AIRequest(models.Model):
    """One call to the gateway, whatever happened: refused, answered, fallen back or blocked."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="ai_requests")
    feature = models.CharField(max_length=16, choices=Feature.choices)
    bot = models.ForeignKey(
        "integrations.Bot", null=True, blank=True, on_delete=models.SET_NULL, related_name="ai_requests"
    )
    conversation = models.ForeignKey(
        "integrations.Conversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="ai_requests"
    )
    contact_id = models.CharField("contact", max_length=255, blank=True)
    provider = models.CharField(max_length=16, blank=True, help_text="Who answered: openrouter, openai or mock.")
    model = models.CharField(max_length=200, blank=True)
    chain = models.JSONField(
        default=list, blank=True, help_text="Each provider tried, in order, with its outcome, error and latency."
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    refusal_code = models.CharField(max_length=64, blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    tokens_counted_offline = models.BooleanField(
        default=False, help_text="The provider sent no usage; tokens were counted here."
    )
    cost_usd = models.DecimalField("cost (USD)", max_digits=12, decimal_places=6, default=0)
    cost_source = models.CharField(max_length=16, blank=True, help_text="provider, price_table or none")
    latency_ms = models.PositiveIntegerField("latency (ms)", default=0)
    guardrail = models.CharField(max_length=16, choices=Guardrail.choices, default=Guardrail.NOT_CHECKED)
    guardrail_verdicts = models.JSONField(default=dict, blank=True)
    messages = models.JSONField(default=list, blank=True, help_text="The messages sent (bounded in size).")
    completion = models.TextField(blank=True, help_text="What the caller received.")
    correlation_id = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(db_index=True)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = "AI request"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "-created_at"], name="airequest_tenant_time"),
            models.Index(fields=["tenant", "contact_id", "-created_at"], name="airequest_contact_time"),
            models.Index(fields=["provider", "-created_at"], name="airequest_provider_time"),
        ]

    def __str__(self):
        return f"AI request {self.pk} ({self.feature}, {self.outcome})"

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class ProviderCircuit(models.Model):
    """A provider's circuit breaker, shared by every process: open means skip it until `open_until`."""

    class State(models.TextChoices):
        CLOSED = "closed", "Closed (in use)"
        OPEN = "open", "Open (cooling down)"
        HALF_OPEN = "half_open", "Half open (probing)"

    provider = models.CharField(max_length=16, unique=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.CLOSED)
    consecutive_failures = models.PositiveIntegerField(default=0)
    opened_at = models.DateTimeField(null=True, blank=True)
    open_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["provider"]

    def __str__(self):
        return f"{self.provider}: {self.state}"


class ModelPrice(models.Model):
    """USD per million tokens for one provider's model; the cost of a request when the provider
    reports none."""

    provider = models.CharField(max_length=16)
    model = models.CharField(max_length=200)
    prompt_usd_per_million = models.DecimalField("prompt (USD per 1M tokens)", max_digits=12, decimal_places=6)
    completion_usd_per_million = models.DecimalField("completion (USD per 1M tokens)", max_digits=12, decimal_places=6)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["provider", "model"]
        constraints = [models.UniqueConstraint(fields=["provider", "model"], name="model_price_once")]

    def __str__(self):
        return f"{self.provider}/{self.model}"


class TenantAISettings(models.Model):
    """What a tenant's customers receive when the AI cannot answer (fallback) or must not (safe
    reply), and the link domains an answer may contain."""

    DEFAULT_FALLBACK = "We are having trouble answering right now; a person will reply soon."
    DEFAULT_SAFE_REPLY = "Sorry, I can't help with that. A person from our team will get back to you."

    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.CASCADE, related_name="ai_settings")
    fallback_text = models.TextField(default=DEFAULT_FALLBACK)
    safe_reply = models.TextField(default=DEFAULT_SAFE_REPLY)
    allowed_link_domains = models.TextField(
        blank=True,
        help_text="One domain per line; answers may link only to these and their subdomains, and e-mail "
        "addresses at them are the tenant's own. Empty: the tenant's own domains, those of the links and "
        "e-mail addresses (webmail providers aside) in the system prompt of the bot or API call, the fallback "
        "text, the safe reply and the tenant's fallback e-mail.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = "tenant AI settings"
        verbose_name_plural = "tenant AI settings"

    def __str__(self):
        return f"AI settings of {self.tenant}"

    @property
    def link_domains(self) -> list[str]:
        return [line.strip().lower() for line in self.allowed_link_domains.splitlines() if line.strip()]


class ContactThrottle(models.Model):
    """One end customer's standing with the AI of one tenant: the last message's digest and how many
    times in a row it came (repeated identical messages), and the throttle window, if any, during
    which the AI does not answer that contact. Written only by `apps.ai.abuse`."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="ai_contact_throttles")
    contact_id = models.CharField("contact", max_length=255)
    last_digest = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the last message, normalised.")
    repeats = models.PositiveIntegerField(default=0, help_text="Identical messages in a row, the last one included.")
    last_message_at = models.DateTimeField(null=True, blank=True)
    throttled_at = models.DateTimeField(null=True, blank=True)
    throttled_until = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    windows = models.PositiveIntegerField(default=0, help_text="Throttle windows opened for this contact so far.")
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The ticket opened for the tenant's review of the latest window.",
    )

    objects = TenantScopedManager()

    class Meta:
        verbose_name = "AI contact throttle"
        ordering = ["-throttled_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "contact_id"], name="ai_contact_throttle_once")]

    def __str__(self):
        return f"{self.contact_id} ({self.tenant})"
