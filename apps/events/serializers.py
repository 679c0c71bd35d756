"""What the events API accepts and returns."""

from django.utils import timezone
from rest_framework import serializers

from apps.events import codes
from apps.events.models import SystemEvent
from apps.events.validation import MAX_CORRELATION, MAX_FUTURE, meta_correlation_fits, resolve_tenant

MAX_BATCH = 1000


class EventInSerializer(serializers.Serializer):
    """One event to store. Context: `writer_tenant` (a tenant writer's own tenant, else None),
    `is_operator`, and `tenant_cache` (slug → Tenant, shared across a batch)."""

    code = serializers.CharField(max_length=64)
    message = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)
    meta = serializers.DictField(required=False, default=dict)
    source = serializers.CharField(required=False, allow_blank=True, default="api", max_length=100)
    occurred_at = serializers.DateTimeField(required=False, default=None)
    correlation_id = serializers.CharField(required=False, allow_blank=True, default="", max_length=MAX_CORRELATION)
    tenant = serializers.SlugField(required=False, default=None)

    def validate_code(self, value):
        if codes.get(value) is None:
            raise serializers.ValidationError(f"Unknown event code {value!r}: it must be one of the catalog's codes.")
        return value

    def validate_meta(self, value):
        if not meta_correlation_fits(value):
            raise serializers.ValidationError(
                f"meta.correlation_id must be text or a whole number of at most {MAX_CORRELATION} characters."
            )
        return value

    def validate_occurred_at(self, value):
        if value is not None and value > timezone.now() + MAX_FUTURE:
            raise serializers.ValidationError("occurred_at may be at most 5 minutes in the future.")
        return value

    def validate_tenant(self, slug):
        return resolve_tenant(slug, self.context)


class EventSerializer(serializers.ModelSerializer):
    """An event as a tenant sees it: no meta, which may hold internal context."""

    title = serializers.SerializerMethodField()

    class Meta:
        model = SystemEvent
        fields = ["id", "code", "level", "category", "title", "message", "source", "correlation_id", "occurred_at"]

    def get_title(self, event) -> str:
        entry = event.catalog_entry
        return entry.title if entry else ""


class OperatorEventSerializer(EventSerializer):
    tenant = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta(EventSerializer.Meta):
        fields = EventSerializer.Meta.fields + ["tenant", "meta"]


class StoredSerializer(serializers.Serializer):
    stored = serializers.IntegerField()
    ids = serializers.ListField(child=serializers.IntegerField())
