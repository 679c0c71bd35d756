"""The status page's e-mail subscription (public: no login) and the portal's incident notices.

The subscribe form sits on the status page, which shared caches may keep for 30 seconds, so it
carries no CSRF token: the POST only ever queues a confirmation e-mail (rate-limited, saying the
same thing whoever the address is). The unsubscribe link works with one GET or POST (mail clients'
one-click List-Unsubscribe-Post), no login. Confirming asks for a button press, so a mail scanner
fetching the link does not subscribe anyone."""

from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from apps.comms.forms import SubscribeForm
from apps.comms.models import TenantNotice
from apps.comms.services import subscriptions
from apps.core.errors import ServiceError
from apps.tenants.portal import role_required

NOTICES_SHOWN = 100


@never_cache
@csrf_exempt
@require_http_methods(["GET", "POST"])
def subscribe(request):
    form = SubscribeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            subscriptions.subscribe(form.cleaned_data["email"], ip=request.META.get("REMOTE_ADDR"))
        except ServiceError as exc:
            form.add_error("email" if exc.code == "invalid_email" else None, exc.message)
            response = _subscribe_page(request, form, exc.status_code)
            if isinstance(exc, subscriptions.RateLimited):
                response["Retry-After"] = str(exc.retry_after)
            return response
        return redirect(f"{request.path}?sent=1")
    status = 400 if form.errors else 200
    return _subscribe_page(request, form, status, sent=request.GET.get("sent") == "1")


def _subscribe_page(request, form, status, sent=False):
    return render(request, "comms/subscribe.html", {"form": form, "sent": sent}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request, token):
    if request.method == "GET":
        found = subscriptions.pending_for(token) is not None
        return render(request, "comms/confirm.html", {"valid": found}, status=200 if found else 404)
    try:
        subscriber = subscriptions.confirm(token, ip=request.META.get("REMOTE_ADDR"))
    except ServiceError as exc:
        return render(request, "comms/confirm.html", {"valid": False, "error": exc.message}, status=404)
    return render(request, "comms/confirmed.html", {"subscriber": subscriber})


@never_cache
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    try:
        subscriber = subscriptions.unsubscribe(token, ip=request.META.get("REMOTE_ADDR"))
    except ServiceError as exc:
        return render(request, "comms/unsubscribed.html", {"error": exc.message}, status=404)
    return render(request, "comms/unsubscribed.html", {"subscriber": subscriber})


@require_GET
@role_required("tenant.view")
def notices(request):
    """The tenant's incident notices, newest first."""
    rows = TenantNotice.objects.for_tenant(request.tenant).select_related("incident")[:NOTICES_SHOWN]
    return render(request, "comms/notices.html", {"notices": rows})
