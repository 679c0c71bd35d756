import uuid

from django.db import models

from apps.core import crypto
from apps.tenants.models import TenantScopedManager


class Provider(models.TextChoices):
    META = "meta", "WhatsApp Cloud API (Meta)"
    WAHA = "waha", "WhatsApp (WAHA)"
    CHATWOOT = "chatwoot", "Chatwoot"
    PMS = "pms", "Hotel PMS"
    TELEGRAM = "telegram", "Telegram"
    N8N = "n8n", "n8n"


# Each provider's configuration keys; True marks a secret (write-only, encrypted at rest).
# `signing_secret` is the provider's webhook signing secret, given as `--secret`.
PROVIDER_KEYS = {
    Provider.META: {"phone_number_id": False, "waba_id": False, "access_token": True, "graph_base_url": False},
    Provider.WAHA: {
        "base_url": False,
        "session": False,
        "device_name": False,
        "api_key": True,
        "signing_secret": True,
    },
    Provider.CHATWOOT: {"base_url": False, "account_id": False, "api_token": True, "signing_secret": True},
    Provider.PMS: {"base_url": False, "api_key": True, "signing_secret": True},
    Provider.TELEGRAM: {"bot_token": True, "api_base_url": False, "signing_secret": True},
    Provider.N8N: {"base_url": False, "token": True, "api_key": True, "signing_secret": True},
}


# Providers whose webhooks may come unsigned (older versions cannot sign), and what signs them.
UNSIGNED_ACCEPTED = {
    Provider.WAHA: "a WAHA HMAC key (the session's webhook hmac.key or WHATSAPP_HOOK_HMAC_KEY)",
    Provider.CHATWOOT: "a Chatwoot webhook secret (Chatwoot 4.11.2 and later sign)",
}


def secret_keys(provider) -> set:
    return {key for key, is_secret in PROVIDER_KEYS[provider].items() if is_secret}


class Connection(models.Model):
    """One tenant's account at one provider: where to reach it, how to authenticate, and how its
    webhooks are signed. Ids are random UUIDs because they appear in webhook URLs.

    Plain settings live in `settings`; secrets only in `secrets_encrypted`, read with `secret()`
    and written with `set_secrets()`. `external_key` is the id the provider routes by when the
    URL carries no connection id (Meta's phone number id)."""

    class State(models.TextChoices):
        UNKNOWN = "unknown", "Unknown"
        CONNECTED = "connected", "Connected"
        DISCONNECTED = "disconnected", "Disconnected"

    id = models.UUIDField("ID", primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="connections")
    provider = models.CharField(max_length=16, choices=Provider.choices)
    name = models.CharField(max_length=200)
    settings = models.JSONField(default=dict, blank=True)
    secrets_encrypted = models.TextField(blank=True, editable=False)
    external_key = models.CharField(max_length=128, blank=True, db_index=True)
    is_active = models.BooleanField("active", default=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.UNKNOWN)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    sending_paused_at = models.DateTimeField(null=True, blank=True)
    sending_paused_reason = models.CharField(max_length=500, blank=True)
    provider_status = models.CharField(
        max_length=32,
        blank=True,
        help_text="The status as the provider last reported it (WAHA: WORKING, SCAN_QR_CODE…).",
    )
    provider_status_at = models.DateTimeField(null=True, blank=True)
    new_contacts_paused_at = models.DateTimeField(
        null=True, blank=True, help_text="WhatsApp limits messages to new contacts (reach-out timelock or cap)."
    )
    new_contacts_paused_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantScopedManager()

    class Meta:
        ordering = ["tenant__name", "provider", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "external_key"],
                condition=~models.Q(external_key=""),
                name="connection_unique_external_key",
            ),
        ]

    def __str__(self):
        """The name and the provider's short name unless the name already says it: "Bella WhatsApp
        (WAHA)", never "Bella WhatsApp (WAHA) (WhatsApp (WAHA))"."""
        label = self.get_provider_display()
        short = label[label.index("(") + 1 : -1] if label.endswith(")") else label
        return self.name if short.lower() in self.name.lower() else f"{self.name} ({short})"

    def setting(self, key, default=""):
        return self.settings.get(key, default)

    def secrets(self) -> dict:
        return crypto.decrypt_json(self.secrets_encrypted)

    def secret(self, key, default="") -> str:
        return self.secrets().get(key, default)

    def has_secret(self, key) -> bool:
        return bool(self.secret(key))

    def unsigned_warning(self) -> str:
        """ "" unless this connection accepts deliveries nobody signed, which anyone can forge."""
        signer = UNSIGNED_ACCEPTED.get(self.provider)
        if not signer or self.has_secret("signing_secret"):
            return ""
        return (
            f"Accepts forged deliveries: no signing secret is set, so anyone who knows the webhook URL can "
            f"post events as this connection. Set {signer} in the provider and here."
        )

    def set_secrets(self, **values):
        """Merges `values` into the stored secrets; an empty value removes that secret. Unsaved."""
        merged = {**self.secrets(), **values}
        self.secrets_encrypted = crypto.encrypt_json({k: v for k, v in merged.items() if v})

    @property
    def is_new_contacts_paused(self):
        return self.new_contacts_paused_at is not None

    @property
    def is_sending_paused(self):
        return self.sending_paused_at is not None
