"""The tenant's errors page: what went wrong for them, in their words, never the internal meta."""

from datetime import datetime, time, timedelta

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from apps.core import zones
from apps.events import codes
from apps.events.models import SystemEvent
from apps.tenants.portal import role_required

PAGE_SIZE = 50


class ErrorFilterForm(forms.Form):
    category = forms.ChoiceField(
        required=False,
        choices=[("", "All categories")] + [(c, c.replace("_", " ").capitalize()) for c in codes.CATEGORIES],
    )
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("The From date must be on or before the To date.")
        return data


def filtered(events, filters: dict, zone):
    """Dates are days in the tenant's own time zone, as the tenant reads them."""
    if filters.get("category"):
        events = events.filter(category=filters["category"])
    if filters.get("date_from"):
        events = events.filter(occurred_at__gte=start_of(filters["date_from"], zone))
    if filters.get("date_to"):
        events = events.filter(occurred_at__lt=start_of(filters["date_to"] + timedelta(days=1), zone))
    return events


def start_of(day, zone):
    return timezone.make_aware(datetime.combine(day, time.min), zone)


def rows(events):
    """Only what a tenant may read: time, the catalog's tenant text and the message."""
    for event in events:
        entry = codes.get(event.code)
        yield {
            "occurred_at": event.occurred_at,
            "code": event.code,
            "level": event.level,
            "category": event.category,
            "text": entry.tenant_text if entry else "",
            "message": event.message,
        }


@require_GET
@role_required("errors.view")
def error_list(request):
    form = ErrorFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    zone = zones.tenant_zone(request.tenant)
    events = filtered(SystemEvent.objects.for_tenant(request.tenant), filters, zone).order_by("-occurred_at", "-id")
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "events/errors.html",
        {
            "form": form,
            "page": page,
            "rows": list(rows(page.object_list)),
            "query": query.urlencode(),
        },
    )
