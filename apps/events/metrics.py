"""The metric registry alert rules read from. Each app registers the metrics it produces.

A metric is a function `(window: timedelta, now: datetime, params: dict) -> float | None`;
None means "no data in the window" (e.g. no deliveries at all), which never fires a rule.
`params` carries a rule's own arguments, such as the code or category to count. A rate also
registers its `volume` (how many outcomes the rate is taken over), so a rule can refuse to judge
one failed message out of one (AlertRule.min_volume)."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    unit: str
    compute: Callable
    volume: Callable | None = None


REGISTRY: dict[str, Metric] = {}


def register(name, label, unit="", volume=None):
    def decorator(func):
        REGISTRY[name] = Metric(name, label, unit, func, volume)
        return func

    return decorator


def compute(name, window, now, params=None):
    metric = REGISTRY.get(name)
    if metric is None:
        return None
    return metric.compute(window, now, params or {})


def volume(name, window, now, params=None):
    """How many outcomes the metric is taken over in the window; None for a metric that is no rate."""
    metric = REGISTRY.get(name)
    if metric is None or metric.volume is None:
        return None
    return metric.volume(window, now, params or {})


def choices():
    return [(name, metric.label) for name, metric in sorted(REGISTRY.items())]
