import re
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from apps.core import zones
from apps.core.admin_display import ReadOnlyAdminMixin, admin_link, pretty_json
from apps.core.errors import ServiceError
from apps.core.moments import parse_moment
from apps.events import admin_views, codes, event_links
from apps.events.models import AuditEvent, SystemEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit log: read-only, searchable, filterable. No add, change or delete."""

    list_display = [
        "occurred_at",
        "action",
        "actor_label",
        "tenant_label",
        "target_label",
        "short_reason",
        "ip_address",
    ]
    list_filter = ["action", "tenant_label", ("occurred_at", admin.DateFieldListFilter)]
    search_fields = [
        "action",
        "actor_label",
        "tenant_label",
        "target_label",
        "target_id",
        "reason",
        "correlation_id",
        "ip_address",
    ]
    date_hierarchy = "occurred_at"
    show_full_result_count = False
    list_per_page = 100
    fields = [
        "occurred_at",
        "action",
        "actor_label",
        "actor_link",
        "tenant_label",
        "tenant_link",
        "target_type",
        "target_id",
        "target_label",
        "reason",
        "before_json",
        "after_json",
        "ip_address",
        "correlation_id",
    ]
    readonly_fields = fields

    @admin.display(description="Reason")
    def short_reason(self, obj):
        return (obj.reason[:80] + "…") if len(obj.reason) > 80 else obj.reason

    @admin.display(description="Actor")
    def actor_link(self, obj):
        return admin_link(obj.actor) if obj.actor_id else "-"

    @admin.display(description="Tenant")
    def tenant_link(self, obj):
        from apps.tenants.models import Tenant

        return admin_link(Tenant.objects.filter(pk=obj.tenant_id).first()) if obj.tenant_id else "-"

    @admin.display(description="Before")
    def before_json(self, obj):
        return pretty_json(obj.before)

    @admin.display(description="After")
    def after_json(self, obj):
        return pretty_json(obj.after)


class TimeRangeFilter(admin.SimpleListFilter):
    title = "time range"
    parameter_name = "range"
    RANGES = {"1h": timedelta(hours=1), "24h": timedelta(hours=24), "7d": timedelta(days=7)}

    def lookups(self, request, model_admin):
        return [("today", "Today"), ("1h", "Last hour"), ("24h", "Last 24 hours"), ("7d", "Last 7 days")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "today":
            return queryset.filter(occurred_at__gte=now.replace(hour=0, minute=0, second=0, microsecond=0))
        if self.value() in self.RANGES:
            return queryset.filter(occurred_at__gte=now - self.RANGES[self.value()])
        return queryset


class CustomRangeFilter(admin.ListFilter):
    """`occurred_at__gte` / `occurred_at__lte` from the range form, read in the server's time zone."""

    title = "custom range"
    BOUNDS = ("occurred_at__gte", "occurred_at__lte")

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.bounds = {}
        for name in self.BOUNDS:
            if name in params:
                value = params.pop(name)
                moment = parse_moment(value[-1] if isinstance(value, list) else value)
                if moment is not None:
                    self.bounds[name] = moment

    def has_output(self):
        return True

    def choices(self, changelist):
        yield {
            "selected": not self.bounds,
            "display": "Any",
            "query_string": changelist.get_query_string(remove=self.BOUNDS),
        }
        if self.bounds:
            yield {"selected": True, "query_string": changelist.get_query_string(), "display": self.describe()}

    def describe(self):
        start, end = (self.bounds.get(name) for name in self.BOUNDS)
        return " – ".join(zones.when(moment) if moment else "…" for moment in (start, end))

    def queryset(self, request, queryset):
        return queryset.filter(**self.bounds)

    def expected_parameters(self):
        return list(self.BOUNDS)


class CodeFilter(admin.SimpleListFilter):
    title = "code"
    parameter_name = "code"

    def lookups(self, request, model_admin):
        return codes.choices()

    def queryset(self, request, queryset):
        return queryset.filter(code=self.value()) if self.value() else queryset


class ChoicesFilter(admin.SimpleListFilter):
    """A filter over a fixed tuple of values, so the changelist never runs a DISTINCT to list them."""

    values = ()

    def lookups(self, request, model_admin):
        return [(value, value) for value in self.values]

    def queryset(self, request, queryset):
        return queryset.filter(**{self.parameter_name: self.value()}) if self.value() else queryset


class CategoryFilter(ChoicesFilter):
    title = parameter_name = "category"
    values = codes.CATEGORIES


class LevelFilter(ChoicesFilter):
    title = parameter_name = "level"
    values = codes.LEVELS


class OpenIncidentForm(forms.Form):
    title = forms.CharField(
        max_length=300,
        required=False,
        help_text="Optional. Left empty, the title lists the codes and the number of events.",
    )


CORRELATION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{7,127}$")


def looks_like_correlation_id(term):
    return bool(CORRELATION_ID.match(term)) and any(char.isdigit() for char in term)


@admin.register(SystemEvent)
class SystemEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The Error Center's events: read-only, filtered by tenant, code, category, level and time."""

    list_display = [
        "occurred",
        "code",
        "level",
        "category",
        "tenant_link",
        "short_message",
        "correlation_id",
        "incident_link",
    ]
    list_filter = [TimeRangeFilter, CustomRangeFilter, "tenant", CodeFilter, CategoryFilter, LevelFilter]
    search_fields = ["message", "=correlation_id"]
    list_select_related = ["tenant", "incident"]
    show_full_result_count = False
    list_per_page = 100
    actions = ["open_incident_from_selected"]
    fields = [
        "occurred",
        "code",
        "operator_title",
        "level",
        "category",
        "tenant_link",
        "message",
        "tenant_text",
        "runbook",
        "incident_link",
        "links",
        "meta_json",
        "source",
        "correlation_id",
        "fingerprint",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description="Tenant", ordering="tenant__name")
    def tenant_link(self, obj):
        return admin_link(obj.tenant) if obj.tenant_id else "platform"

    @admin.display(description="Occurred", ordering="occurred_at")
    def occurred(self, obj):
        """UTC, and the tenant's local time beside it: what the tenant's people saw on their clocks."""
        return zones.with_tenant_time(obj.occurred_at, obj.tenant, "s")

    @admin.display(description="Incident")
    def incident_link(self, obj):
        return admin_link(obj.incident) if obj.incident_id else "-"

    @admin.display(description="Links")
    def links(self, obj):
        found = event_links.links(obj)
        if not found:
            return "-"
        return format_html_join(
            mark_safe("<br>"), '{}: <a href="{}">{}</a>', ((kind, url, label) for kind, label, url in found)
        )

    @admin.display(description="Message")
    def short_message(self, obj):
        return (obj.message[:100] + "…") if len(obj.message) > 100 else obj.message

    @admin.display(description="Meta")
    def meta_json(self, obj):
        return pretty_json(obj.meta)

    @admin.display(description="Operator title")
    def operator_title(self, obj):
        entry = obj.catalog_entry
        return entry.title if entry else "Unknown code (not in the catalog)"

    @admin.display(description="What the tenant sees")
    def tenant_text(self, obj):
        entry = obj.catalog_entry
        return entry.tenant_text if entry else "-"

    @admin.display(description="Runbook")
    def runbook(self, obj):
        entry = obj.catalog_entry
        if not entry:
            return "-"
        url = reverse("admin:incidents_runbook_by_slug", args=[entry.runbook])
        return format_html(
            '<a href="{}"><strong>{}</strong></a> <code>{}</code>', url, entry.runbook_title, entry.runbook
        )

    def get_search_results(self, request, queryset, search_term):
        """A term shaped like a correlation id is an indexed exact match; message search is the fallback."""
        term = search_term.strip()
        if looks_like_correlation_id(term):
            exact = queryset.filter(correlation_id=term)
            if exact.exists():
                return exact, False
        return super().get_search_results(request, queryset, search_term)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "grouped/",
                wrap(lambda request: admin_views.grouped_view(request, self)),
                name="events_systemevent_grouped",
            ),
            path(
                "dashboard/", wrap(lambda request: admin_views.dashboard_view(request, self)), name="events_dashboard"
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "range_from": request.GET.get("occurred_at__gte", ""),
            "range_to": request.GET.get("occurred_at__lte", ""),
            "kept_params": [
                (key, value)
                for key, value in request.GET.items()
                if key not in ("occurred_at__gte", "occurred_at__lte", "p")
            ],
        }
        return super().changelist_view(request, extra_context)

    @admin.action(description="Open incident from selected events", permissions=["open_incident"])
    def open_incident_from_selected(self, request, queryset):
        from apps.incidents.services import open_from_events

        form = OpenIncidentForm(request.POST if "confirm" in request.POST else None)
        if "confirm" in request.POST and form.is_valid():
            try:
                incident = open_from_events(
                    queryset.select_related("tenant"), actor=request.user, title=form.cleaned_data["title"]
                )
            except ServiceError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return None
            url = reverse("admin:incidents_incident_change", args=[incident.pk])
            self.message_user(request, format_html('Opened <a href="{}">{}</a>.', url, incident), messages.SUCCESS)
            return None
        return TemplateResponse(
            request,
            "admin/opsdesk/confirm_action.html",
            {
                **self.admin_site.each_context(request),
                "title": "Open incident from selected events",
                "objects": queryset,
                "form": form,
                "action_name": request.POST.get("action"),
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "select_across": request.POST.get("select_across", "0"),
                "opts": self.model._meta,
            },
        )

    def has_open_incident_permission(self, request):
        return request.user.has_perm("incidents.add_incident")


from apps.events import admin_alerts  # noqa: E402,F401  (registers AlertRule)
