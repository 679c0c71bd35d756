"""/api/v1/outbound/: a tenant's outbound messages with tenant API keys (or a member's session).
Creating gives a draft; approving runs preflight and queues it; `process/` dispatches what is due."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from apps.core import contacts
from apps.core.api import validated
from apps.integrations.models import Connection
from apps.outbound import services
from apps.outbound.models import OutboundMessage, Source
from apps.outbound.serializers import (
    ActionInSerializer,
    MessageDetailSerializer,
    MessageInSerializer,
    MessageSerializer,
    ProcessResultSerializer,
)
from apps.tenants.api import TenantScopedAPIView, tenant_may

FILTERS = {"status": "status", "channel": "channel", "contact": "contact_id__in", "kind": "kind"}


class OutboundAPIView(TenantScopedAPIView):
    model = OutboundMessage

    def get_queryset(self):
        return OutboundMessage.objects.for_tenant(self.request.tenant).select_related("connection")

    def message(self, message_id):
        return get_object_or_404(self.get_queryset(), pk=message_id)

    def detail(self, message, code=status.HTTP_200_OK):
        message.refresh_from_db()
        return Response(MessageDetailSerializer(message).data, status=code)


class MessagesView(OutboundAPIView):
    permission_classes = [tenant_may(GET="outbound.view", POST="outbound.draft")]
    serializer_class = MessageSerializer

    @extend_schema(
        operation_id="outbound_list",
        parameters=[
            OpenApiParameter("status", str, description="Only messages with this status."),
            OpenApiParameter("channel", str, description="whatsapp_cloud, waha or telegram."),
            OpenApiParameter("contact", str, description="The contact's phone number (digits) or chat id."),
            OpenApiParameter("kind", str, description="transactional or marketing."),
        ],
    )
    def get(self, request):
        """Messages, newest first, with status and the reason they are where they are."""
        rows = self.get_queryset().order_by("-created_at", "-id")
        for param, field in FILTERS.items():
            value = request.query_params.get(param)
            if value:
                rows = rows.filter(**{field: contacts.forms_of(value) if param == "contact" else value})
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(MessageSerializer(page, many=True).data)

    @extend_schema(request=MessageInSerializer, responses={201: MessageDetailSerializer})
    def post(self, request):
        """Creates a draft: {"channel", "to", "body"} or {"channel", "to", "template": {"name", "language",
        "parameters"}}. 400 names the bad field; nothing is written."""
        data = validated(MessageInSerializer, request.data)
        data["connection"] = self.connection(data["connection"])
        message = services.create_message(request.tenant, created_by=request.user, source=Source.API, **data)
        return self.detail(message, status.HTTP_201_CREATED)

    def connection(self, connection_id):
        if connection_id is None:
            return None
        found = Connection.objects.for_tenant(self.request.tenant).filter(pk=connection_id).first()
        if found is None:
            raise ValidationError({"connection": f"No connection {connection_id} in this tenant."})
        return found


class MessageDetailView(OutboundAPIView):
    permission_classes = [tenant_may("outbound.view")]
    serializer_class = MessageDetailSerializer

    def get(self, request, message_id):
        """One message with its attempts (request summaries are never shown to tenants)."""
        return self.detail(self.message(message_id))


class MessageActionView(OutboundAPIView):
    permission_classes = [tenant_may("outbound.send")]
    serializer_class = ActionInSerializer
    action = None

    @extend_schema(request=ActionInSerializer, responses={200: MessageDetailSerializer})
    def post(self, request, message_id):
        message = self.message(message_id)
        reason = validated(ActionInSerializer, request.data or {})["reason"]
        getattr(services, self.action)(message, actor=request.user, reason=reason)
        return self.detail(message)


class ApproveView(MessageActionView):
    """Approves a draft: preflight runs and the message is queued, or refused with its reason."""

    action = "approve_message"


class CancelView(MessageActionView):
    action = "cancel"


class RetryView(MessageActionView):
    """Retries a failed, blocked or capped message through preflight (an opted-out contact stays blocked)."""

    action = "retry"


class ProcessView(OutboundAPIView):
    permission_classes = [tenant_may("outbound.send")]
    serializer_class = ProcessResultSerializer

    @extend_schema(request=None, responses={200: ProcessResultSerializer})
    def post(self, request):
        """Dispatches this tenant's messages that are due now."""
        return Response(services.process_due(tenant=request.tenant))
