"""The Error Center's custom admin pages: the grouped view and the failures dashboard.

Both are staff-only (wrapped in `admin_site.admin_view` by SystemEventAdmin.get_urls) and need
the events view permission. They only read, through `apps.events.queries`."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from apps.events import charts, codes, metrics, queries
from apps.events.models import SystemEvent

VIEW_PERMISSION = "events.view_systemevent"


def require_view_permission(request):
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied


def grouped_view(request, model_admin):
    require_view_permission(request)
    now = timezone.now()
    order = request.GET.get("o", "growth")
    groups = queries.grouped(now, order=order)
    buckets = queries.hourly_buckets(now, [(group["code"], group["tenant_id"]) for group in groups])
    changelist = reverse("admin:events_systemevent_changelist")
    for group in groups:
        key = (group["code"], group["tenant_id"])
        group["sparkline"] = charts.sparkline(
            buckets[key], title=f"{group['code']} for {group['tenant_name'] or 'platform'}: events per hour, 24 h"
        )
        tenant_filter = f"&tenant__id__exact={group['tenant_id']}" if group["tenant_id"] else "&tenant__isnull=True"
        group["events_url"] = f"{changelist}?code={group['code']}{tenant_filter}&range=24h"
    return TemplateResponse(
        request,
        "admin/events/grouped.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": "Events grouped by code and tenant (last 24 h)",
            "opts": SystemEvent._meta,
            "groups": groups,
            "order": order,
            "orders": [("growth", "growth"), ("hour", "last hour"), ("day", "last 24 h"), ("last_seen", "last seen")],
        },
    )


def dashboard_view(request, model_admin):
    require_view_permission(request)
    now = timezone.now()
    today = queries.start_of_day(now)
    by_code = queries.counts_by_code(today, now)
    by_tenant = queries.counts_by_tenant(today, now)
    hourly = queries.hourly_counts(now, hours=24)
    weekly = queries.hourly_counts(now, hours=24 * 7)
    return TemplateResponse(
        request,
        "admin/events/dashboard.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": "Failures dashboard",
            "opts": SystemEvent._meta,
            "today_total": sum(row["count"] for row in by_code),
            "by_code_chart": charts.bar_chart(
                [(row["code"], row["count"]) for row in by_code], title="Today's failures by code"
            ),
            "by_tenant_chart": charts.bar_chart(
                [(row["tenant_name"], row["count"]) for row in by_tenant], title="Today's failures by tenant"
            ),
            "rate_24h_chart": charts.line_chart(
                [(f"{hour:%H}h", count) for hour, count in hourly], title="Events per hour, last 24 hours"
            ),
            "rate_7d_chart": charts.line_chart(
                [(f"{hour:%a %H}h", count) for hour, count in weekly],
                title="Events per hour, last 7 days",
                label_every=24,
            ),
            "spikes": [{**spike, "title": _title(spike["code"])} for spike in queries.spiking_codes(now)],
            "top_tenants": queries.counts_by_tenant(now - timedelta(hours=24), now, limit=10),
            "tiles": _tiles(now),
        },
    )


def _title(code):
    entry = codes.get(code)
    return entry.title if entry else ""


def _tiles(now):
    from apps.incidents.models import Incident

    return [
        {
            "label": "Open incidents",
            "value": Incident.objects.open().count(),
            "url": reverse("admin:incidents_incident_changelist") + "?status__in=detected,triaged,mitigating",
        },
        {
            "label": "Dead letters, last hour",
            "value": metrics.compute("dead_letters_per_hour", timedelta(hours=1), now),
            "url": reverse("admin:integrations_deadletter_changelist"),
        },
        {
            "label": "SLA breaches, last 24 h",
            "value": metrics.compute("sla_breaches", timedelta(hours=24), now),
            "url": reverse("admin:tickets_ticket_changelist") + "?queue=breaching",
        },
    ]
