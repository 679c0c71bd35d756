"""The tenant's tickets in the portal: list, open one, read the public conversation (internal
notes are never loaded), reply, mark solved. Rows are reached only through `for_tenant`."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.portal_forms import form_status, perform, submit
from apps.tenants.portal import role_required
from apps.tickets import services
from apps.tickets.forms import NewTicketForm, PortalFilterForm, ReplyForm
from apps.tickets.models import OPEN_STATUSES, Channel, Status, Ticket, TicketMessage

PAGE_SIZE = 50


def tenant_ticket(request, ticket_id):
    return get_object_or_404(Ticket.objects.for_tenant(request.tenant).select_related("tenant"), pk=ticket_id)


def public_messages(ticket):
    return (
        TicketMessage.objects.for_tenant(ticket.tenant)
        .filter(ticket=ticket, visibility=TicketMessage.Visibility.PUBLIC)
        .order_by("created_at", "id")
    )


@require_http_methods(["GET"])
@role_required("tickets.view")
def ticket_list(request):
    form = PortalFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    tickets = Ticket.objects.for_tenant(request.tenant).order_by("-last_activity_at", "-id")
    if not status:
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif status != "all":
        tickets = tickets.filter(status=status)
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "tickets/list.html", {"form": form, "page": page, "status": status})


@require_http_methods(["GET", "POST"])
@role_required("tickets.write")
def ticket_new(request):
    form = NewTicketForm(request.POST or None)
    done, ticket = submit(
        request,
        form,
        lambda data: services.create_ticket(request.tenant, channel=Channel.PORTAL, requester=request.user, **data),
    )
    if done:
        messages.success(request, f"Ticket #{ticket.pk} is open; we will answer here and by email.")
        return redirect("tickets:detail", ticket.pk)
    return render(request, "tickets/new.html", {"form": form}, status=form_status(form))


@require_http_methods(["GET"])
@role_required("tickets.view")
def ticket_detail(request, ticket_id):
    return detail_page(request, tenant_ticket(request, ticket_id), ReplyForm())


def detail_page(request, ticket, form, status=200):
    return render(
        request,
        "tickets/detail.html",
        {
            "ticket": ticket,
            "conversation": public_messages(ticket),
            "form": form,
            "can_reply": ticket.status != Status.CLOSED,
            "can_solve": ticket.status in OPEN_STATUSES,
        },
        status=status,
    )


@require_POST
@role_required("tickets.write")
def ticket_reply(request, ticket_id):
    ticket = tenant_ticket(request, ticket_id)
    form = ReplyForm(request.POST)
    done, _ = submit(request, form, lambda data: services.customer_reply(ticket, data["body"], author=request.user))
    if done:
        messages.success(request, "Your reply was added.")
        return redirect("tickets:detail", ticket.pk)
    return detail_page(request, ticket, form, status=400)


@require_POST
@role_required("tickets.write")
def ticket_solve(request, ticket_id):
    ticket = tenant_ticket(request, ticket_id)
    perform(
        request,
        lambda: services.change_status(ticket, Status.SOLVED, actor=request.user, by_customer=True),
        lambda: f"Ticket #{ticket.pk} is marked solved. Reply to reopen it.",
    )
    return redirect("tickets:detail", ticket.pk)
