"""The WAHA session page of a connection in the admin: the status live from WAHA (refreshed by a
meta refresh, no JavaScript needed), the linked number and device, the QR code while one is shown
(re-fetched as WAHA re-issues it), buttons with a confirmation page (restart, stop, start, log
out, pairing code), and the connection's recent sends, failures and inbound messages. Every
button calls `apps.integrations.waha.sessions`."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from apps.core.errors import ServiceError
from apps.integrations.models import Connection, ConversationMessage, Provider
from apps.integrations.waha import client, sessions
from apps.outbound.models import OutboundAttempt

LOG_ROWS = 20
BUTTONS = {
    "restart": ("Restart session", "WAHA stops and starts the session; a linked phone stays linked."),
    "stop": ("Stop session", "Nothing is sent or received until the session is started again."),
    "start": ("Start session", "WAHA starts the session; an unlinked one shows a QR code."),
    "logout": (
        "Log out",
        "Unlinks the phone: someone must scan a new QR code. Never do this under a reach-out timelock or a ban.",
    ),
    "pairing_code": ("Request a pairing code", "A code to type on the phone instead of scanning the QR code."),
}


class ActionForm(forms.Form):
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 60}))
    phone_number = forms.CharField(
        required=False, help_text="Only for a pairing code: the WhatsApp number in international format."
    )


def urls(admin_site):
    view = admin_site.admin_view
    return [
        path("<uuid:pk>/waha/", view(session_page), name="integrations_connection_waha"),
        path("<uuid:pk>/waha/qr.png", view(qr_image), name="integrations_connection_waha_qr"),
        path("<uuid:pk>/waha/<str:action>/", view(action_page), name="integrations_connection_waha_action"),
    ]


def _connection(request, pk, permission="view"):
    if not request.user.has_perm(f"integrations.{permission}_connection"):
        raise PermissionDenied
    return get_object_or_404(Connection, pk=pk, provider=Provider.WAHA)


def session_page(request, pk):
    connection = _connection(request, pk)
    context = {
        "title": f"WhatsApp session of {connection}",
        "connection": connection,
        "page": sessions.page(connection),
        "buttons": BUTTONS,
        "attempts": OutboundAttempt.objects.filter(message__connection=connection).select_related("message")[:LOG_ROWS],
        "failures": OutboundAttempt.objects.filter(message__connection=connection)
        .exclude(outcome="success")
        .select_related("message")[:LOG_ROWS],
        "inbound": ConversationMessage.objects.filter(
            connection=connection, direction=ConversationMessage.Direction.INBOUND
        )[:LOG_ROWS],
        "can_change": request.user.has_perm("integrations.change_connection"),
    }
    return TemplateResponse(request, "admin/integrations/waha/session.html", context)


def qr_image(request, pk):
    connection = _connection(request, pk)
    try:
        png = client.qr_png(connection)
    except client.WahaError as exc:
        return HttpResponse(exc.message, status=409, content_type="text/plain")
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "no-store"
    return response


def action_page(request, pk, action):
    connection = _connection(request, pk, "change")
    if action not in BUTTONS:
        raise Http404
    form = ActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _do(connection, action, form.cleaned_data, request)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect(reverse("admin:integrations_connection_waha", args=[connection.pk]))
    label, explanation = BUTTONS[action]
    context = {"title": f"{label}: {connection}", "connection": connection, "form": form, "explanation": explanation}
    return TemplateResponse(request, "admin/integrations/waha/confirm.html", context)


def _do(connection, action, data, request):
    if action == "pairing_code":
        code = sessions.request_pairing_code(connection, data["phone_number"], actor=request.user, request=request)
        messages.success(request, f"Pairing code: {code} — type it on the phone under Linked devices.")
        return
    info = sessions.session_action(connection, action, actor=request.user, reason=data["reason"], request=request)
    messages.success(request, f"{BUTTONS[action][0]}: the session is {info.get('status') or 'changing'}.")
