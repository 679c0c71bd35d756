from datetime import timedelta

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.core.errors import ServiceError
from apps.health import heartbeats, status
from apps.health.forms import HeartbeatForm
from apps.health.models import HeartbeatCheck
from apps.incidents.public import public_incidents
from apps.tenants import roles
from apps.tenants.portal import role_required


@cache_control(max_age=30, public=True)
def status_page(request):
    """The public status page: no login, no tenant names, no internals."""
    return render(request, "health/status.html", {**status.page(), "incidents": public_incidents()})


@csrf_exempt
@require_http_methods(["GET", "POST", "HEAD"])
def ping(request, ping_key, kind=""):
    """A heartbeat ping: no login, the unguessable key is the credential; one UPDATE."""
    if not heartbeats.ping(ping_key, kind):
        return HttpResponse("not found: no heartbeat check has this key", status=404, content_type="text/plain")
    return HttpResponse("OK", content_type="text/plain")


def _check(request, check_id):
    return get_object_or_404(HeartbeatCheck.objects.for_tenant(request.tenant), pk=check_id)


def _save(request, form, check=None):
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        heartbeats.save_check(
            request.tenant,
            name=data["name"],
            period=timedelta(minutes=data["period_minutes"]),
            grace=timedelta(minutes=data["grace_minutes"]),
            actor=request.user,
            check=check,
        )
    except ServiceError as exc:
        form.add_error(None, exc.message)
        return False
    return True


@require_GET
@role_required("heartbeats.view")
def heartbeat_list(request):
    """The tenant's heartbeat checks, their state and ping URLs."""
    return _list_page(request, HeartbeatForm())


@require_POST
@role_required("heartbeats.manage")
def heartbeat_add(request):
    form = HeartbeatForm(request.POST)
    if _save(request, form):
        messages.success(request, "Heartbeat check added: ping its URL at the end of each run.")
        return redirect("heartbeats:list")
    return _list_page(request, form, status=400)


def _list_page(request, form, status=200):
    context = {
        "checks": HeartbeatCheck.objects.for_tenant(request.tenant),
        "form": form,
        "ping_base": request.build_absolute_uri("/ping/"),
        "may_manage": roles.allows(request.membership.role, "heartbeats.manage"),
    }
    return render(request, "health/heartbeats.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required("heartbeats.manage")
def heartbeat_edit(request, check_id):
    check = _check(request, check_id)
    initial = {
        "name": check.name,
        "period_minutes": int(check.period.total_seconds() // 60),
        "grace_minutes": int(check.grace.total_seconds() // 60),
    }
    form = HeartbeatForm(request.POST or None, initial=initial)
    if request.method == "POST" and _save(request, form, check):
        messages.success(request, f"Saved {check.name}.")
        return redirect("heartbeats:list")
    ping_url = request.build_absolute_uri(f"/ping/{check.ping_key}")
    context = {"check": check, "form": form, "ping_url": ping_url}
    return render(request, "health/heartbeat.html", context, status=400 if form.errors else 200)


@require_POST
@role_required("heartbeats.manage")
def heartbeat_delete(request, check_id):
    check = _check(request, check_id)
    heartbeats.delete_check(check, actor=request.user)
    messages.success(request, f"Deleted {check.name}.")
    return redirect("heartbeats:list")
