from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = "Accounts and API keys"

    def ready(self):
        from apps.accounts import schema, signals  # noqa: F401 — the OpenAPI auth scheme, audit receivers
