"""/api/v1/incidents/ for operator keys: the same services as the admin console, the same
refusals (a ServiceError becomes a 400 with its code and message)."""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from apps.core.api import requires, validated
from apps.incidents import services
from apps.incidents.models import Incident
from apps.incidents.serializers import (
    FollowUpInSerializer,
    IncidentDetailSerializer,
    IncidentInSerializer,
    IncidentSerializer,
    MitigationInSerializer,
    NoteInSerializer,
    OwnerInSerializer,
    PostmortemInSerializer,
    SeverityInSerializer,
    StatusInSerializer,
    TimelineEntrySerializer,
)
from apps.incidents.services.mitigations import switch_permission
from apps.tenants.models import Tenant

LIST_FILTERS = ("status", "severity", "detection_method")
VIEW, ADD, CHANGE = "incidents.view_incident", "incidents.add_incident", "incidents.change_incident"


class IncidentAPIView(GenericAPIView):
    """The incident console's operations; each view declares the permission the console checks."""

    permission_classes = [requires()]
    serializer_class = IncidentDetailSerializer

    def get_queryset(self):
        return Incident.objects.select_related("owner", "subject_tenant").prefetch_related("affected_tenants")

    def incident(self, incident_id):
        return get_object_or_404(self.get_queryset(), pk=incident_id)

    def detail(self, incident, code=status.HTTP_200_OK):
        incident = self.incident(incident.pk)
        return Response(IncidentDetailSerializer(incident).data, status=code)


class IncidentsView(IncidentAPIView):
    permission_classes = [requires(GET=VIEW, POST=ADD)]
    serializer_class = IncidentSerializer

    @extend_schema(
        operation_id="incidents_list",
        parameters=[
            *[OpenApiParameter(name, str, description=f"Only incidents with this {name}.") for name in LIST_FILTERS],
            OpenApiParameter("owner", str, description="A staff username."),
            OpenApiParameter("tenant", str, description="Only incidents affecting this tenant, or about it (slug)."),
            OpenApiParameter("open", bool, description="true: detected, triaged or mitigating only."),
        ],
    )
    def get(self, request):
        """Incidents, newest first."""
        page = self.paginate_queryset(filter_incidents(self.get_queryset(), request.query_params))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=IncidentInSerializer, responses={201: IncidentDetailSerializer})
    def post(self, request):
        """Opens an incident by hand, owned by the key's staff user; notifies on-call level 1."""
        data = validated(IncidentInSerializer, request.data)
        data["tenants"] = tenants_by_slug(data["tenants"])
        incident = services.create_incident(actor=request.user, request=request, **data)
        return self.detail(incident, status.HTTP_201_CREATED)


def filter_incidents(incidents, params):
    for name in LIST_FILTERS:
        if params.get(name):
            incidents = incidents.filter(**{name: params[name]})
    if params.get("owner"):
        incidents = incidents.filter(owner__username=params["owner"])
    if params.get("tenant"):
        slug = params["tenant"]
        incidents = incidents.filter(Q(affected_tenants__slug=slug) | Q(subject_tenant__slug=slug)).distinct()
    if params.get("open") in ("1", "true", "yes"):
        incidents = incidents.open()
    return incidents.order_by("-detected_at", "-id")


class IncidentDetailView(IncidentAPIView):
    permission_classes = [requires(VIEW)]

    def get(self, request, incident_id):
        """One incident with its timeline, evidence, runbooks, follow-ups, postmortem and notifications."""
        return self.detail(self.incident(incident_id))


class IncidentStatusView(IncidentAPIView):
    permission_classes = [requires(CHANGE)]

    @extend_schema(request=StatusInSerializer, responses={200: IncidentDetailSerializer})
    def post(self, request, incident_id):
        """Moves the incident along its lifecycle; closing a sev1 or sev2 needs its postmortem, and a
        sev1/sev2 resolves only when its restore checklist is done and closes only when its post-outage
        checklist is done, unless `override_reason` says why (400 `checklist_not_done` otherwise)."""
        data = validated(StatusInSerializer, request.data)
        incident = services.change_status(
            self.incident(incident_id),
            data["status"],
            actor=request.user,
            note=data["note"],
            request=request,
            override_reason=data["override_reason"],
        )
        return self.detail(incident)


class IncidentAcknowledgeView(IncidentAPIView):
    permission_classes = [requires(CHANGE)]

    @extend_schema(request=None, responses={200: IncidentDetailSerializer})
    def post(self, request, incident_id):
        """Acknowledges: stops the acknowledgement escalation; takes ownership when nobody owns it."""
        return self.detail(services.acknowledge(self.incident(incident_id), actor=request.user, request=request))


class IncidentOwnerView(IncidentAPIView):
    permission_classes = [requires(CHANGE)]

    @extend_schema(request=OwnerInSerializer, responses={200: IncidentDetailSerializer})
    def post(self, request, incident_id):
        username = validated(OwnerInSerializer, request.data)["owner"]
        owner = staff_user(username, "owner") if username else None
        return self.detail(
            services.assign_owner(self.incident(incident_id), owner, actor=request.user, request=request)
        )


class IncidentSeverityView(IncidentAPIView):
    permission_classes = [requires(CHANGE)]

    @extend_schema(request=SeverityInSerializer, responses={200: IncidentDetailSerializer})
    def post(self, request, incident_id):
        data = validated(SeverityInSerializer, request.data)
        return self.detail(
            services.change_severity(
                self.incident(incident_id), data["severity"], actor=request.user, reason=data["reason"], request=request
            )
        )


class IncidentNotesView(IncidentAPIView):
    permission_classes = [requires(CHANGE)]

    @extend_schema(request=NoteInSerializer, responses={201: TimelineEntrySerializer})
    def post(self, request, incident_id):
        entry = services.add_note(
            self.incident(incident_id), validated(NoteInSerializer, request.data)["text"], actor=request.user
        )
        return Response(TimelineEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class IncidentChecksView(IncidentAPIView):
    permission_classes = [requires(CHANGE)]

    @extend_schema(request=None, responses={201: TimelineEntrySerializer(many=True)})
    def post(self, request, incident_id):
        """Runs the checks of the incident's runbooks; each result is attached to the timeline."""
        entries = services.run_checks(self.incident(incident_id), actor=request.user)
        return Response(TimelineEntrySerializer(entries, many=True).data, status=status.HTTP_201_CREATED)


class IncidentPostmortemView(IncidentAPIView):
    permission_classes = [requires(CHANGE)]

    @extend_schema(request=PostmortemInSerializer, responses={200: IncidentDetailSerializer})
    def put(self, request, incident_id):
        """Writes or rewrites the postmortem (once the incident is resolved)."""
        data = validated(PostmortemInSerializer, request.data)
        incident = self.incident(incident_id)
        services.write_postmortem(incident, actor=request.user, request=request, **data)
        return self.detail(incident)


class IncidentFollowUpsView(IncidentAPIView):
    permission_classes = [requires(CHANGE)]

    @extend_schema(request=FollowUpInSerializer, responses={201: IncidentDetailSerializer})
    def post(self, request, incident_id):
        data = validated(FollowUpInSerializer, request.data)
        data["assignee"] = staff_user(data["assignee"], "assignee") if data["assignee"] else None
        incident = self.incident(incident_id)
        services.add_follow_up(incident, actor=request.user, **data)
        return self.detail(incident, status.HTTP_201_CREATED)


class MayMitigate(requires(CHANGE)):
    """incidents.change_incident, and the switch's own permission as the tenants admin checks it
    (a tenant's switches, or the platform's), by the body's `action`."""

    def has_permission(self, request, view):
        allowed = super().has_permission(request, view)
        if not allowed or not self.takes(request, view):
            return allowed
        needed = switch_permission(request.data.get("action") if isinstance(request.data, dict) else None)
        self.message = f"Your staff role does not allow this switch: it needs the {needed} permission."
        return needed is None or request.user.has_perm(needed)


class IncidentMitigationsView(IncidentAPIView):
    permission_classes = [MayMitigate]

    @extend_schema(request=MitigationInSerializer, responses={201: TimelineEntrySerializer})
    def post(self, request, incident_id):
        """Flips a kill switch for the incident (an affected tenant's, its subject's, or a platform one),
        with a reason."""
        data = validated(MitigationInSerializer, request.data)
        incident = self.incident(incident_id)
        tenant = incident.tenants_concerned().filter(slug=data["tenant"]).first() if data["tenant"] else None
        if data["tenant"] and tenant is None:
            raise ValidationError({"tenant": f"{data['tenant']!r} is neither affected by this incident nor about it."})
        entry = services.apply_mitigation(
            incident, data["action"], actor=request.user, reason=data["reason"], tenant=tenant, request=request
        )
        return Response(TimelineEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


def staff_user(username, field):
    user = get_user_model().objects.filter(username=username, is_staff=True, is_active=True).first()
    if user is None:
        raise ValidationError({field: f"No active staff user {username!r}."})
    return user


def tenants_by_slug(slugs):
    tenants = list(Tenant.objects.filter(slug__in=slugs))
    missing = sorted(set(slugs) - {tenant.slug for tenant in tenants})
    if missing:
        raise ValidationError({"tenants": f"No tenant with the slug(s) {', '.join(missing)}."})
    return tenants
