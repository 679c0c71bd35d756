from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from apps.core import contacts
from apps.outbound.models import Channel, Kind, OutboundAttempt, OutboundMessage


class TemplateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=512)
    language = serializers.CharField(max_length=16, required=False, default="en_US")
    parameters = serializers.ListField(
        child=serializers.CharField(max_length=1024, allow_blank=True), required=False, default=list
    )


class MessageInSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    to = serializers.CharField(max_length=128, help_text="Phone number in international format, or a chat id.")
    body = serializers.CharField(max_length=4096, required=False, allow_blank=True, default="")
    template = TemplateSerializer(
        required=False,
        allow_null=True,
        default=None,
        help_text="WhatsApp Cloud only: an approved template instead of body.",
    )
    kind = serializers.ChoiceField(choices=Kind.choices, default=Kind.TRANSACTIONAL)
    contact_name = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    stop_on_reply = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Stop this message if the contact replies first; default: the contact's policy.",
    )
    connection = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Which of the tenant's connections to send through; default: its first active one.",
    )

    def validate(self, data):
        if bool(data.get("body", "").strip()) == bool(data.get("template")):
            raise serializers.ValidationError(
                {"body": "Give the message text (body) or a template, exactly one of them."}
            )
        try:
            data["to"] = contacts.canonical(data["channel"], data["to"])
        except contacts.InvalidContact as exc:
            raise serializers.ValidationError({"to": str(exc)}) from None
        return data


class ActionInSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = OutboundAttempt
        fields = [
            "number",
            "outcome",
            "status_code",
            "error_code",
            "error_title",
            "latency_ms",
            "retry_after_s",
            "next_attempt_at",
            "created_at",
        ]


@extend_schema_serializer(component_name="OutboundMessage")
class MessageSerializer(serializers.ModelSerializer):
    to = serializers.CharField(source="contact_id")
    reason = serializers.CharField(read_only=True)
    preflight = serializers.SerializerMethodField()
    connection = serializers.UUIDField(source="connection_id")

    class Meta:
        model = OutboundMessage
        fields = [
            "id",
            "channel",
            "to",
            "contact_name",
            "kind",
            "body",
            "template",
            "status",
            "reason",
            "last_error",
            "last_error_code",
            "preflight",
            "provider_message_id",
            "attempts",
            "next_attempt_at",
            "source",
            "stop_on_reply",
            "connection",
            "created_by_label",
            "approved_by_label",
            "created_at",
            "approved_at",
            "queued_at",
            "sent_at",
            "delivered_at",
            "read_at",
            "failed_at",
            "blocked_at",
            "canceled_at",
        ]

    def get_preflight(self, message) -> dict:
        return {"code": message.preflight_code, "reason": message.preflight_reason, "checked_at": message.preflight_at}


@extend_schema_serializer(component_name="OutboundMessageDetail")
class MessageDetailSerializer(MessageSerializer):
    attempt_log = AttemptSerializer(many=True, read_only=True)

    class Meta(MessageSerializer.Meta):
        fields = MessageSerializer.Meta.fields + ["attempt_log"]


class ProcessResultSerializer(serializers.Serializer):
    due = serializers.IntegerField()
    released = serializers.IntegerField()
    stuck_failed = serializers.IntegerField()
