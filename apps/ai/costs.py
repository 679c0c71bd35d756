"""What an AI request cost: the provider's own figure when it sends one (OpenRouter's `usage.cost`),
else tokens times the `ModelPrice` row of that provider and model, else nothing known (0, "none")."""

from decimal import Decimal

from apps.ai.models import ModelPrice

PROVIDER, PRICE_TABLE, NONE = "provider", "price_table", "none"
MILLION = Decimal(1_000_000)
CENT_FRACTIONS = Decimal("0.000001")


def cost_of(
    provider: str, models: tuple[str, ...], prompt_tokens: int, completion_tokens: int, reported=None, prices=None
):
    """(cost in USD, source). `models` are the names to price by, best first (the answering model,
    then the requested one); a dated variant ("gpt-4o-mini-2024-07-18") takes its base's price.
    `prices`: the provider's {model: ModelPrice} when the caller already read them."""
    if reported is not None:
        return Decimal(reported).quantize(CENT_FRACTIONS), PROVIDER
    price = price_for(provider, models, prices)
    if price is None:
        return Decimal(0), NONE
    cost = (
        prompt_tokens * price.prompt_usd_per_million + completion_tokens * price.completion_usd_per_million
    ) / MILLION
    return cost.quantize(CENT_FRACTIONS), PRICE_TABLE


def price_for(provider: str, models, prices=None) -> ModelPrice | None:
    names = [name for name in models if name]
    if not names:
        return None
    if prices is None:
        prices = {price.model: price for price in ModelPrice.objects.filter(provider=provider)}
    for name in names:
        if name in prices:
            return prices[name]
    for name in names:
        base = max((model for model in prices if name.startswith(f"{model}-")), key=len, default=None)
        if base:
            return prices[base]
    return None
