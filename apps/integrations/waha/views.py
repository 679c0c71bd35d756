"""The tenant's WhatsApp (WAHA) sessions in the portal, for owners and admins: the same live
status and QR code operators see, a restart and a pairing code, so a tenant can reconnect by
themselves. Not while WhatsApp is off for a ban or limits new contacts: then reconnecting makes
it worse, and the page says so instead of offering the button."""

import uuid

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.core.errors import ServiceError
from apps.integrations.models import Connection, Provider
from apps.integrations.waha import client, sessions
from apps.tenants.portal import role_required


def _connection(request, connection_id):
    """The tenant's WAHA connection; anything else, a malformed id included, is a 404."""
    try:
        uuid.UUID(str(connection_id))
    except ValueError as exc:
        raise Http404 from exc
    return get_object_or_404(
        Connection.objects.for_tenant(request.tenant).filter(provider=Provider.WAHA), pk=connection_id
    )


@require_GET
@role_required("whatsapp.manage")
def sessions_list(request):
    connections = Connection.objects.for_tenant(request.tenant).filter(provider=Provider.WAHA, is_active=True)
    return render(request, "whatsapp/sessions.html", {"connections": connections})


@require_GET
@role_required("whatsapp.manage")
def session_page(request, connection_id):
    connection = _connection(request, connection_id)
    context = {
        "connection": connection,
        "page": sessions.page(connection),
        "hold": sessions.reconnect_hold(connection),
    }
    return render(request, "whatsapp/session.html", context)


@require_GET
@role_required("whatsapp.manage")
def qr_image(request, connection_id):
    connection = _connection(request, connection_id)
    try:
        png = client.qr_png(connection)
    except client.WahaError as exc:
        return HttpResponse(exc.message, status=409, content_type="text/plain")
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@role_required("whatsapp.manage")
def restart(request, connection_id):
    connection = _connection(request, connection_id)
    try:
        sessions.tenant_restart(connection, actor=request.user, request=request)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The session is restarting; a QR code appears here if the phone must link again.")
    return redirect("whatsapp:session", connection_id=connection.pk)


@require_POST
@role_required("whatsapp.manage")
def pairing_code(request, connection_id):
    connection = _connection(request, connection_id)
    try:
        code = sessions.request_pairing_code(connection, request.POST.get("phone_number", ""), actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Your pairing code: {code}. On the phone: Linked devices → Link with phone number.")
    return redirect("whatsapp:session", connection_id=connection.pk)
