"""POST /api/v1/events/ stores events from outside services; GET lists them."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from apps.core.api import is_operator, requires, tenant_or_operator
from apps.core.moments import parse_moment
from apps.events import ingest
from apps.events.models import SystemEvent
from apps.events.serializers import (
    MAX_BATCH,
    EventInSerializer,
    EventSerializer,
    OperatorEventSerializer,
    StoredSerializer,
)
from apps.events.validation import plain_event
from apps.tenants.api import tenant_may

LIST_FILTERS = ("code", "category", "level")


class EventsView(GenericAPIView):
    permission_classes = [
        tenant_or_operator(
            tenant_may(GET="errors.view", POST="events.report"),
            requires(GET="events.view_systemevent", POST="events.add_systemevent"),
        )
    ]
    serializer_class = EventSerializer
    json_list_name = "events"

    def get_serializer_class(self):
        return OperatorEventSerializer if is_operator(self.request) else EventSerializer

    def get_queryset(self):
        if self.request.tenant is not None and not is_operator(self.request):
            return SystemEvent.objects.for_tenant(self.request.tenant)
        events = SystemEvent.objects.select_related("tenant")
        slug = self.request.query_params.get("tenant")
        return events.filter(tenant__slug=slug) if slug else events

    @extend_schema(
        parameters=[OpenApiParameter(name, str, description=f"Only events with this {name}.") for name in LIST_FILTERS]
        + [
            OpenApiParameter("since", str, description="ISO datetime: only events that occurred at or after it."),
            OpenApiParameter("tenant", str, description="Operator keys only: a tenant's slug."),
        ],
    )
    def get(self, request):
        """Events newest first: a tenant's own (without meta), or all of them for operators."""
        events = filter_events(self.get_queryset(), request.query_params)
        page = self.paginate_queryset(events)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=EventInSerializer(many=True), responses={201: StoredSerializer})
    def post(self, request):
        """One event object or a list of up to 1,000; all are stored or none (400 names the field)."""
        events = validated_events(request)
        stored = ingest.store_batch(events)
        return Response({"stored": len(stored), "ids": [event.pk for event in stored]}, status=status.HTTP_201_CREATED)


def validated_events(request) -> list[dict]:
    context = {
        "writer_tenant": None if is_operator(request) else request.tenant,
        "is_operator": is_operator(request),
        "tenant_cache": {},
    }
    body = request.data
    if isinstance(body, dict):
        event, errors = validated_item(body, context)
        if errors:
            raise ValidationError(errors)
        return [event]
    if not isinstance(body, list):
        raise ValidationError({"events": "Send one event object or a list of event objects."})
    if len(body) > MAX_BATCH:
        raise ValidationError({"events": f"At most {MAX_BATCH} events per request; this one has {len(body)}."})
    return validated_batch(body, context)


def validated_batch(body: list, context: dict) -> list[dict]:
    """Validates every event before any is stored. Errors are a list by index, which the API's
    exception handler names `events[3].code`; a valid item's entry is {}, as DRF's `many=True` gives."""
    if not body:
        raise ValidationError({"events": "Send at least one event."})
    events, errors = [], []
    for item in body:
        event, error = validated_item(item, context)
        events.append(event)
        errors.append(error)
    if any(errors):
        raise ValidationError({"events": errors})
    return events


def validated_item(item, context) -> tuple[dict | None, dict]:
    """(event, {}) for a valid item, else (None, the serializer's errors). Plainly valid items skip
    the serializer (`plain_event` gives the same result); the rest get its exact messages."""
    event = plain_event(item, context)
    if event is not None:
        return event, {}
    serializer = EventInSerializer(data=item, context=context)
    if serializer.is_valid():
        return serializer.validated_data, {}
    return None, serializer.errors


def filter_events(events, params):
    for name in LIST_FILTERS:
        if params.get(name):
            events = events.filter(**{name: params[name]})
    if params.get("since"):
        events = events.since(parse_since(params["since"]))
    return events.order_by("-occurred_at", "-id")


def parse_since(value):
    moment = parse_moment(value)
    if moment is None:
        raise ValidationError({"since": "Give an ISO 8601 datetime or date, e.g. 2026-01-31T12:00:00Z."})
    return moment
