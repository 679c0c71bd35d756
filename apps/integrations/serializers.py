from rest_framework import serializers

from apps.integrations.models import InboundEvent


class InboundEventSerializer(serializers.ModelSerializer):
    tenant = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    connection = serializers.UUIDField(source="connection_id", read_only=True)

    class Meta:
        model = InboundEvent
        fields = [
            "id",
            "provider",
            "connection",
            "tenant",
            "external_id",
            "event_type",
            "status",
            "attempts",
            "last_error",
            "next_attempt_at",
            "received_at",
            "processed_at",
            "dead_lettered_at",
            "correlation_id",
        ]


class InboundEventDetailSerializer(InboundEventSerializer):
    class Meta(InboundEventSerializer.Meta):
        fields = InboundEventSerializer.Meta.fields + ["headers", "payload", "raw_body"]


class ReplaySerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Why: it goes into the audit log.")


class BulkReplaySerializer(ReplaySerializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        max_length=10_000,
        help_text="Replay these events; or give a filter instead.",
    )
    provider = serializers.CharField(required=False)
    tenant = serializers.SlugField(required=False)
    status = serializers.ChoiceField(
        choices=[
            InboundEvent.Status.DEAD_LETTERED,
            InboundEvent.Status.FAILED,
            InboundEvent.Status.PROCESSED,
            InboundEvent.Status.IGNORED,
        ],
        required=False,
    )
    event_type = serializers.CharField(required=False)
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)

    def validate(self, data):
        if not data.get("ids") and not any(
            data.get(k) for k in ("provider", "tenant", "status", "event_type", "since")
        ):
            raise serializers.ValidationError(
                "Give ids, or at least one filter (provider, tenant, status, event_type, since)."
            )
        return data
