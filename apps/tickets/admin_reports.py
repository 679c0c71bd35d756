"""The ticket reports page and its CSV (`reports`): the last `?weeks=` weeks, or the days from
`?start=` to `?end=` (YYYY-MM-DD, both included) that an incident's SLA review links. Days that are
not valid show why on the page and the weeks are used instead; never an error page."""

import io

from django.contrib import messages
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from apps.events import charts
from apps.tickets import reports
from apps.tickets.admin_views import VIEW, require
from apps.tickets.forms import ReportWindowForm
from apps.tickets.models import Ticket


def _weeks(request):
    value = request.GET.get("weeks", "8")
    return min(52, max(1, int(value))) if value.isdigit() else 8


def _window(request, now) -> tuple[dict, str]:
    """The report's window: `?start=&end=` (days, both included) when given and valid, else the last
    `?weeks=` weeks; and the problem with the days when they were refused ("" when none)."""
    problem = ""
    if "start" in request.GET or "end" in request.GET:
        form = ReportWindowForm(request.GET)
        if form.is_valid():
            return _days_window(form.cleaned_data["start"], form.cleaned_data["end"]), ""
        problem = f"{form.problem()} Showing the last {_weeks(request)} weeks instead."
    return _weeks_window(_weeks(request), now), problem


def _days_window(first, last):
    start, end = reports.day_window(first, last)
    query = urlencode({"start": first, "end": last})
    return {"start": start, "end": end, "label": f"{first} to {last}", "query": query, "days": (first, last)}


def _weeks_window(weeks, now):
    start = reports.first_week(now, weeks)
    return {
        "start": start,
        "end": None,
        "label": f"last {weeks} week{'s' if weeks > 1 else ''}",
        "query": f"weeks={weeks}",
        "weeks": weeks,
    }


def reports_view(request, model_admin):
    require(request, VIEW)
    window, problem = _window(request, timezone.now())
    if problem:
        messages.error(request, problem)
    rows = reports.between(window["start"], window["end"])
    first_by_priority = _medians_by(rows, "priority")
    return TemplateResponse(
        request,
        "admin/tickets/ticket/reports.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": "Ticket reports",
            "opts": Ticket._meta,
            "window": window,
            "weeks": window.get("weeks", 8),
            "by_priority": [r for r in rows if r["dimension"] == "priority"],
            "by_tenant": [r for r in rows if r["dimension"] == "tenant"],
            "breaches_chart": charts.line_chart(
                reports.breaches_per_week(rows, window["start"], window["end"]),
                title=f"SLA breaches per week, {window['label']}",
                label_every=1,
            ),
            "first_response_chart": charts.bar_chart(
                first_by_priority, title="Median first response (SLA minutes) by priority, latest week"
            ),
            "csv_url": reverse("admin:tickets_reports_csv") + f"?{window['query']}",
        },
    )


def _medians_by(rows, dimension):
    latest = {}
    for row in rows:
        if row["dimension"] == dimension and row["first_response_median"] is not None:
            latest[row["group"]] = row["first_response_median"]
    return sorted(latest.items(), key=lambda item: -item[1])


def reports_csv(request):
    require(request, VIEW)
    buffer = io.StringIO()
    window, _ = _window(request, timezone.now())
    reports.write_csv(reports.between(window["start"], window["end"]), buffer)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="ticket-report.csv"'
    return response
