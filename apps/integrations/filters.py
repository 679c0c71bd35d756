import django_filters

from apps.integrations.models import InboundEvent


class InboundEventFilter(django_filters.FilterSet):
    tenant = django_filters.CharFilter(field_name="tenant__slug")
    since = django_filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="lt")

    class Meta:
        model = InboundEvent
        fields = ["provider", "status", "event_type", "tenant", "since", "until", "connection"]

    @classmethod
    def matching(cls, data):
        """The events a bulk-replay body's filter chooses (ids win when given)."""
        events = InboundEvent.objects.all()
        if data.get("ids"):
            return events.filter(pk__in=data["ids"])
        lookups = {
            "provider": "provider",
            "tenant": "tenant__slug",
            "status": "status",
            "event_type": "event_type",
            "since": "received_at__gte",
            "until": "received_at__lt",
        }
        return events.filter(**{lookup: data[key] for key, lookup in lookups.items() if data.get(key)})
