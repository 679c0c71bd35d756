"""A starting price table (USD per million prompt / completion tokens) for the default models and a
few common ones, as OpenAI and OpenRouter list them publicly. Operators keep it current in the
admin; a row that already exists is left as it is. OpenRouter's own `usage.cost` wins over this
table when it is sent."""

from decimal import Decimal

from django.db import migrations

PRICES = [
    ("openai", "gpt-4o-mini", "0.15", "0.60"),
    ("openai", "gpt-4o", "2.50", "10.00"),
    ("openai", "gpt-4.1", "2.00", "8.00"),
    ("openai", "gpt-4.1-mini", "0.40", "1.60"),
    ("openai", "gpt-4.1-nano", "0.10", "0.40"),
    ("openrouter", "openai/gpt-4o-mini", "0.15", "0.60"),
    ("openrouter", "openai/gpt-4o", "2.50", "10.00"),
    ("openrouter", "openai/gpt-4.1-mini", "0.40", "1.60"),
    ("openrouter", "anthropic/claude-3.5-haiku", "0.80", "4.00"),
    ("openrouter", "google/gemini-2.0-flash-001", "0.10", "0.40"),
    ("openrouter", "meta-llama/llama-3.1-8b-instruct", "0.02", "0.05"),
]


def seed(apps, schema_editor):
    ModelPrice = apps.get_model("ai", "ModelPrice")
    for provider, model, prompt, completion in PRICES:
        ModelPrice.objects.get_or_create(
            provider=provider,
            model=model,
            defaults={"prompt_usd_per_million": Decimal(prompt), "completion_usd_per_million": Decimal(completion)},
        )


def unseed(apps, schema_editor):
    ModelPrice = apps.get_model("ai", "ModelPrice")
    for provider, model, _prompt, _completion in PRICES:
        ModelPrice.objects.filter(provider=provider, model=model).delete()


class Migration(migrations.Migration):
    dependencies = [("ai", "0002_seed_ai_alert_rules")]

    operations = [migrations.RunPython(seed, unseed)]
