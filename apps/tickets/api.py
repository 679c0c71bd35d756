"""/api/v1/tickets/: tenants (API key or member session) reach their own tickets and see public
messages only; operator keys reach every tenant's tickets and reply as agents."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from apps.accounts.authentication import TenantKeyUser
from apps.core.api import is_operator, requires, tenant_or_operator, validated
from apps.tenants.api import tenant_may
from apps.tenants.models import Tenant
from apps.tickets import services
from apps.tickets.models import Channel, Ticket
from apps.tickets.serializers import (
    OperatorTicketDetailSerializer,
    OperatorTicketSerializer,
    ReplyInSerializer,
    TicketDetailSerializer,
    TicketInSerializer,
    TicketSerializer,
)


class TicketAPIView(GenericAPIView):
    permission_classes = [tenant_or_operator(tenant_may(), requires())]  # each view declares its own

    def get_queryset(self):
        if not is_operator(self.request):
            return Ticket.objects.for_tenant(self.request.tenant).select_related("tenant")
        tickets = Ticket.objects.select_related("tenant", "assignee")
        slug = self.request.query_params.get("tenant")
        return tickets.filter(tenant__slug=slug) if slug else tickets

    def ticket(self, ticket_id):
        return get_object_or_404(self.get_queryset(), pk=ticket_id)

    def detail(self, ticket, code=status.HTTP_200_OK):
        serializer = OperatorTicketDetailSerializer if is_operator(self.request) else TicketDetailSerializer
        return Response(serializer(ticket).data, status=code)


class TicketsView(TicketAPIView):
    permission_classes = [
        tenant_or_operator(
            tenant_may(GET="tickets.view", POST="tickets.write"),
            requires(GET="tickets.view_ticket", POST="tickets.add_ticket"),
        )
    ]
    serializer_class = TicketSerializer

    def get_serializer_class(self):
        return OperatorTicketSerializer if is_operator(self.request) else TicketSerializer

    @extend_schema(
        operation_id="tickets_list",
        parameters=[
            OpenApiParameter("status", str, description="Only tickets with this status."),
            OpenApiParameter("tenant", str, description="Operator keys only: a tenant's slug."),
        ],
    )
    def get(self, request):
        """Tickets, most recently active first."""
        tickets = self.get_queryset().order_by("-last_activity_at", "-id")
        if request.query_params.get("status"):
            tickets = tickets.filter(status=request.query_params["status"])
        page = self.paginate_queryset(tickets)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=TicketInSerializer, responses={201: TicketDetailSerializer})
    def post(self, request):
        """Opens a ticket: {"subject", "body", "priority"}; 400 names the bad field, nothing is written."""
        data = validated(TicketInSerializer, request.data)
        tenant = self.tenant_for_create(data.pop("tenant", None))
        requester = None if isinstance(request.user, TenantKeyUser) or is_operator(request) else request.user
        if requester is None and not any(data[f] for f in ("requester_name", "requester_email", "requester_phone")):
            if is_operator(request):
                raise ValidationError(
                    {
                        "requester_email": "Operators open tickets for a contact: give "
                        "requester_name, requester_email or requester_phone."
                    }
                )
            data["requester_name"] = f"API key {request.user.api_key.name}"
        ticket = services.create_ticket(tenant, channel=Channel.API, requester=requester, **data)
        return self.detail(ticket, status.HTTP_201_CREATED)

    def tenant_for_create(self, slug):
        if not is_operator(self.request):
            return self.request.tenant
        if not slug:
            raise ValidationError({"tenant": "Operator keys name the tenant the ticket is for (its slug)."})
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            raise ValidationError({"tenant": f"No tenant with the slug {slug!r}."})
        return tenant


class TicketDetailView(TicketAPIView):
    permission_classes = [tenant_or_operator(tenant_may("tickets.view"), requires("tickets.view_ticket"))]
    serializer_class = TicketDetailSerializer

    def get(self, request, ticket_id):
        """One ticket with its conversation (tenants: public messages only)."""
        return self.detail(self.ticket(ticket_id))


class TicketReplyView(TicketAPIView):
    permission_classes = [tenant_or_operator(tenant_may("tickets.write"), requires("tickets.change_ticket"))]
    serializer_class = ReplyInSerializer

    @extend_schema(request=ReplyInSerializer, responses={201: TicketDetailSerializer})
    def post(self, request, ticket_id):
        """A reply: the customer's for tenant callers, an agent's public reply for operators."""
        ticket = self.ticket(ticket_id)
        data = validated(ReplyInSerializer, request.data)
        if is_operator(request):
            services.reply(ticket, data["body"], actor=request.user, status=data.get("status"))
        elif isinstance(request.user, TenantKeyUser):
            services.customer_reply(ticket, data["body"], author_name=f"API key {request.user.api_key.name}")
        else:
            services.customer_reply(ticket, data["body"], author=request.user)
        ticket.refresh_from_db()
        return self.detail(ticket, status.HTTP_201_CREATED)
