"""Tokens counted offline match tiktoken's encodings; a request's cost is the provider's own figure
when it sends one, else the price table's (a dated model takes its base model's price)."""

import importlib
from decimal import Decimal

import pytest

from apps.ai import costs, tokens
from apps.ai.models import ModelPrice


@pytest.mark.parametrize(
    ("text", "model", "expected"),
    [
        ("hello world", "gpt-4", 2),  # tiktoken, cl100k_base
        ("tiktoken is great!", "gpt-3.5-turbo", 6),  # OpenAI cookbook, cl100k_base
        ("", "gpt-4o-mini", 0),
    ],
)
def test_offline_counts_match_tiktoken(text, model, expected):
    assert tokens.count_text(text, model) == expected


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4o-mini", "o200k_base"),
        ("openai/gpt-4o", "o200k_base"),
        ("gpt-4.1-nano", "o200k_base"),
        ("gpt-4-turbo", "cl100k_base"),
        ("openai/gpt-3.5-turbo", "cl100k_base"),
        ("anthropic/claude-3.5-haiku", "o200k_base"),
        ("", "o200k_base"),
    ],
)
def test_each_model_family_is_counted_with_its_encoding(model, encoding):
    assert tokens.encoding_for(model) == encoding


def test_chat_messages_count_their_format_too():
    messages = [{"role": "system", "content": "hello world"}, {"role": "user", "content": "hello world"}]
    assert tokens.count_messages(messages, "gpt-4") == 2 + 2 + 2 * 3 + 3


def test_the_providers_reported_cost_wins():
    assert costs.cost_of("openrouter", ("openai/gpt-4o-mini",), 1000, 1000, Decimal("0.0123456789")) == (
        Decimal("0.012346"),
        "provider",
    )


@pytest.mark.django_db
def test_the_price_table_prices_prompt_and_completion_tokens_apart():
    ModelPrice.objects.update_or_create(
        provider="openai",
        model="gpt-4o",
        defaults={"prompt_usd_per_million": Decimal("2.50"), "completion_usd_per_million": Decimal("10.00")},
    )
    assert costs.cost_of("openai", ("gpt-4o",), 1_000_000, 100_000, None) == (Decimal("3.500000"), "price_table")


@pytest.mark.django_db
def test_a_dated_model_takes_its_base_models_price_not_a_shorter_ones():
    for model, price in (("gpt-4o", "2.50"), ("gpt-4o-mini", "0.15")):
        ModelPrice.objects.update_or_create(
            provider="openai",
            model=model,
            defaults={"prompt_usd_per_million": Decimal(price), "completion_usd_per_million": Decimal(price)},
        )
    assert costs.price_for("openai", ("gpt-4o-mini-2024-07-18",)).model == "gpt-4o-mini"
    assert costs.price_for("openai", ("gpt-4o-2024-08-06",)).model == "gpt-4o"


@pytest.mark.django_db
def test_the_requested_model_prices_when_the_answering_one_is_unknown():
    ModelPrice.objects.update_or_create(
        provider="openai",
        model="gpt-4.1-mini",
        defaults={"prompt_usd_per_million": Decimal("0.40"), "completion_usd_per_million": Decimal("1.60")},
    )
    assert costs.price_for("openai", ("some-alias", "gpt-4.1-mini")).model == "gpt-4.1-mini"


@pytest.mark.django_db
def test_an_unknown_model_costs_nothing_known():
    assert costs.cost_of("openai", ("no-such-model",), 10, 10, None) == (Decimal(0), "none")


def test_the_seeded_price_table_covers_the_default_models(settings):
    seeded = importlib.import_module("apps.ai.migrations.0003_seed_model_prices").PRICES
    priced = {(provider, model) for provider, model, _prompt, _completion in seeded}
    assert {("openai", settings.OPENAI_MODEL), ("openrouter", settings.OPENROUTER_MODEL)} <= priced
