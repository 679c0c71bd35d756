"""Admin forms that save through services: secrets are write-only (never rendered back)."""

import json

from django import forms

from apps.core import safe_json
from apps.core.errors import ServiceError
from apps.integrations import automation, services
from apps.integrations.models import PROVIDER_KEYS, Bot, Connection, secret_keys
from apps.tenants import policy


class ConnectionForm(forms.ModelForm):
    SECRET_FIELDS = ["signing_secret", "access_token", "api_key", "api_token", "bot_token", "token"]

    settings_json = forms.CharField(
        label="Settings",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 70}),
        help_text="JSON object of the provider's plain settings: meta phone_number_id, waba_id, graph_base_url; "
        "waha base_url, session; chatwoot base_url, account_id; pms base_url; telegram api_base_url; n8n base_url.",
    )
    signing_secret = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="The provider's webhook signing secret (WAHA HMAC key, Chatwoot webhook "
        "secret, PMS whsec_ secret, Telegram secret token, n8n callback token).",
    )
    access_token = forms.CharField(required=False, widget=forms.PasswordInput(render_value=False), help_text="Meta")
    api_key = forms.CharField(required=False, widget=forms.PasswordInput(render_value=False), help_text="WAHA, PMS")
    api_token = forms.CharField(required=False, widget=forms.PasswordInput(render_value=False), help_text="Chatwoot")
    bot_token = forms.CharField(required=False, widget=forms.PasswordInput(render_value=False), help_text="Telegram")
    token = forms.CharField(
        required=False, widget=forms.PasswordInput(render_value=False), help_text="n8n API/webhook token"
    )

    class Meta:
        model = Connection
        fields = ["tenant", "provider", "name", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False
        if self.instance.pk:
            self.initial["settings_json"] = json.dumps(self.instance.settings, indent=2, sort_keys=True)

    def clean_settings_json(self):
        text = self.cleaned_data["settings_json"].strip() or "{}"
        try:
            value = safe_json.loads(text)
        except safe_json.BadJSON as exc:
            raise forms.ValidationError(f"Refused: {exc.describe()}.") from None
        if not isinstance(value, dict):
            raise forms.ValidationError('Settings must be a JSON object, e.g. {"base_url": "https://…"}.')
        return value

    def clean(self):
        data = super().clean()
        provider = data.get("provider") or self.instance.provider
        if provider:
            self._check_secrets_belong(provider, data)
        if provider and not self.errors:
            try:
                services.check_connection(
                    provider,
                    self._values(),
                    data.get("signing_secret", ""),
                    existing=self.instance if self.instance.pk else None,
                )
            except ServiceError as exc:
                raise forms.ValidationError(exc.message) from None
        return data

    def _check_secrets_belong(self, provider, data):
        allowed = secret_keys(provider) | {"signing_secret"}
        for name in self.SECRET_FIELDS:
            if data.get(name) and name not in allowed:
                self.add_error(name, f"{provider} has no {name}; its secrets are {', '.join(sorted(allowed))}.")
        for key in data.get("settings_json") or {}:
            if key not in PROVIDER_KEYS[provider] or key in allowed:
                self.add_error(
                    "settings_json", f"{key!r} is not a plain {provider} setting (secrets go in their fields)."
                )

    def _values(self):
        data = self.cleaned_data
        secrets = {name: data[name] for name in self.SECRET_FIELDS if data.get(name) and name != "signing_secret"}
        return {**data.get("settings_json", {}), **secrets}

    def save_through_services(self, actor, existing=None):
        data = self.cleaned_data
        if existing is None:
            return services.create_connection(
                data["tenant"],
                data["provider"],
                name=data["name"],
                secret=data.get("signing_secret", ""),
                values=self._values(),
                actor=actor,
            )
        return services.update_connection(
            existing,
            values=self._values(),
            secret=data.get("signing_secret") or None,
            name=data["name"],
            is_active=data["is_active"],
            actor=actor,
        )

    def _post_clean(self):
        """Skips ModelForm's model validation: services validate and write."""


class BotForm(forms.ModelForm):
    """An n8n bot names its workflow; an AI bot answers through the AI gateway under its system
    prompt and model (empty: the provider's default). automation.bot_fields decides what is valid."""

    mode = forms.ChoiceField(choices=Bot.Mode.choices, initial=Bot.Mode.N8N, required=False)

    class Meta:
        model = Bot
        fields = ["tenant", "name", "mode", "workflow_path", "system_prompt", "model"]

    def clean(self):
        data = super().clean()
        tenant = data.get("tenant")
        if tenant and not self.instance.pk:
            decision = policy.can_create_bot(tenant)
            if not decision:
                raise forms.ValidationError(f"{decision.reason} ({decision.code})")
        try:
            automation.bot_fields(**self._bot_fields(data))
        except ServiceError as exc:
            field = "workflow_path" if exc.code == "workflow_path_required" else "mode"
            self.add_error(field, exc.message)
        return data

    @staticmethod
    def _bot_fields(data) -> dict:
        fields = {name: data.get(name) or "" for name in ("workflow_path", "system_prompt", "model")}
        return {"mode": data.get("mode") or Bot.Mode.N8N, **fields}

    def save_through_services(self, actor, existing=None):
        data = self.cleaned_data
        if existing is None:
            return automation.create_bot(data["tenant"], name=data["name"], actor=actor, **self._bot_fields(data))
        return automation.update_bot(existing, name=data["name"], actor=actor, **self._bot_fields(data))

    def _post_clean(self):
        """Skips ModelForm's model validation: services validate and write."""
