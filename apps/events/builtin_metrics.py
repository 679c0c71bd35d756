"""Metrics the Error Center computes from its own events."""

from django.db.models import Q

from apps.events.metrics import register
from apps.events.models import SystemEvent


@register("event_count", "Events in window (params: code or category)", "events")
def event_count(window, now, params):
    scope = Q()
    if params.get("code"):
        scope &= Q(code=params["code"])
    if params.get("category"):
        scope &= Q(category=params["category"])
    return float(SystemEvent.objects.filter(scope, occurred_at__gte=now - window, occurred_at__lt=now).count())
