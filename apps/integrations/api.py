"""Operator API over the inbox: list and read inbound events, replay one or many."""

from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api import requires
from apps.integrations import services
from apps.integrations.filters import InboundEventFilter
from apps.integrations.models import InboundEvent
from apps.integrations.serializers import (
    BulkReplaySerializer,
    InboundEventDetailSerializer,
    InboundEventSerializer,
    ReplaySerializer,
)

VIEW, REPLAY = "integrations.view_inboundevent", "integrations.change_inboundevent"


class InboundEventList(generics.ListAPIView):
    """Inbound events newest first, filtered by provider, status, event_type, tenant (slug), since, until."""

    permission_classes = [requires(VIEW)]
    serializer_class = InboundEventSerializer
    queryset = InboundEvent.objects.select_related("tenant")
    filter_backends = [DjangoFilterBackend]
    filterset_class = InboundEventFilter


class InboundEventDetail(generics.RetrieveAPIView):
    permission_classes = [requires(VIEW)]
    serializer_class = InboundEventDetailSerializer
    queryset = InboundEvent.objects.select_related("tenant")


class ReplayOne(APIView):
    permission_classes = [requires(REPLAY)]

    @extend_schema(request=ReplaySerializer, responses={200: InboundEventSerializer})
    def post(self, request, pk):
        """Replays one event (any final or failed status); audited with the reason."""
        event = get_object_or_404(InboundEvent, pk=pk)
        body = ReplaySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        replayed = services.replay(
            InboundEvent.objects.filter(pk=pk),
            actor=request.user,
            reason=body.validated_data["reason"],
            description=f"event {pk}",
        )
        event.refresh_from_db()
        return Response({"replayed": replayed, "event": InboundEventSerializer(event).data})


class ReplayMany(APIView):
    permission_classes = [requires(REPLAY)]

    @extend_schema(request=BulkReplaySerializer, responses={200: dict}, operation_id="v1_inbound_events_replay_bulk")
    def post(self, request):
        """Replays the given ids, or everything a filter matches (e.g. all dead letters of a tenant
        since 10:00), up to 10,000 at once; audited per tenant."""
        body = BulkReplaySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        replayed = services.replay(
            InboundEventFilter.matching(data), actor=request.user, reason=data["reason"], description=_describe(data)
        )
        return Response({"replayed": replayed})


def _describe(data):
    return ", ".join(f"{key}={value}" for key, value in sorted(data.items()) if key not in ("reason", "ids")) or "ids"
