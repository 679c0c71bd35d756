"""The metric registry alert rules read from. Each app registers the metrics it produces.

A metric is a function `(window: timedelta, now: datetime, params: dict) -> float | None`;
None means "no data in the window" (e.g. no deliveries at all), which never fires a rule.
`params` carries a rule's own arguments, such as the code or category to count."""
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    unit: str
    compute: Callable


REGISTRY: dict[str, Metric] = {}


def register(name, label, unit=""):
    def decorator(func):
        REGISTRY[name] = Metric(name, label, unit, func)
        return func
    return decorator


def compute(name, window, now, params=None):
    metric = REGISTRY.get(name)
    if metric is None:
        return None
    return metric.compute(window, now, params or {})


def choices():
    return [(name, metric.label) for name, metric in sorted(REGISTRY.items())]
