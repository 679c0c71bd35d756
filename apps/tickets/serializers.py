from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.tickets.models import Priority, Status, Ticket, TicketMessage


class TicketInSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=300)
    body = serializers.CharField(max_length=20000)
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    requester_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    requester_email = serializers.EmailField(required=False, allow_blank=True, default="")
    requester_phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    tenant = serializers.SlugField(required=False, help_text="Operator keys only: the tenant's slug.")


class ReplyInSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=20000)
    status = serializers.ChoiceField(
        choices=Status.choices,
        required=False,
        help_text="Operator keys only: the status to set instead of the rules' choice.",
    )


class MessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = TicketMessage
        fields = ["id", "author_name", "author_kind", "body", "created_at"]


class OperatorMessageSerializer(MessageSerializer):
    class Meta(MessageSerializer.Meta):
        fields = MessageSerializer.Meta.fields + ["visibility", "correlation_id"]


class TicketSerializer(serializers.ModelSerializer):
    requester = serializers.CharField(source="requester_label")

    class Meta:
        model = Ticket
        fields = ["id", "subject", "status", "priority", "channel", "requester", "created_at", "last_activity_at"]


class OperatorTicketSerializer(TicketSerializer):
    tenant = serializers.CharField(source="tenant.slug")
    assignee = serializers.CharField(source="assignee.get_username", default=None)

    class Meta(TicketSerializer.Meta):
        fields = TicketSerializer.Meta.fields + [
            "tenant",
            "assignee",
            "incident",
            "first_response_due_at",
            "next_response_due_at",
            "resolution_due_at",
            "first_response_breached_at",
            "next_response_breached_at",
            "resolution_breached_at",
        ]


class TicketDetailSerializer(TicketSerializer):
    messages = serializers.SerializerMethodField()

    class Meta(TicketSerializer.Meta):
        fields = TicketSerializer.Meta.fields + ["messages"]

    @extend_schema_field(MessageSerializer(many=True))
    def get_messages(self, ticket):
        """Tenants read public messages only; internal notes are filtered in the query."""
        rows = TicketMessage.objects.for_tenant(ticket.tenant).filter(
            ticket=ticket, visibility=TicketMessage.Visibility.PUBLIC
        )
        return MessageSerializer(rows, many=True).data


class OperatorTicketDetailSerializer(OperatorTicketSerializer):
    messages = OperatorMessageSerializer(many=True, read_only=True)

    class Meta(OperatorTicketSerializer.Meta):
        fields = OperatorTicketSerializer.Meta.fields + ["messages"]
