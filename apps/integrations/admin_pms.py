"""The PMS manual sync in the admin: a confirmed "Sync reservations from the PMS" action on
connections (queued), the connection page's summary of its recent runs and staleness, and each
run's page listing what the webhooks had missed."""

from datetime import timedelta

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from apps.core import zones
from apps.core.admin_display import ReadOnlyAdminMixin, admin_link
from apps.integrations.models import PmsSyncRun
from apps.integrations.pms import sync

RECENT_RUNS = 5


class PmsSyncForm(forms.Form):
    hours = forms.IntegerField(
        label="Look back (hours)",
        min_value=1,
        max_value=24 * 90,
        initial=72,
        help_text="Reservations the PMS changed in this many hours are fetched and compared.",
    )


def request_sync(connection, data, request):
    since = timezone.now() - timedelta(hours=data["hours"])
    sync.request_sync(connection, since=since, actor=request.user, request=request)


def pms_summary(connection):
    """The connection page's lines: stale or not, then the latest runs with links."""
    last = sync.last_contact(connection)
    stale = sync.is_stale(connection)
    head = format_html(
        "<p><strong style='color:{}'>{}</strong> — last successful sync or webhook: {}</p>",
        "#b00020" if stale else "#1e7e34",
        "Stale" if stale else "Fresh",
        zones.when(last) if last else "never",
    )
    runs = connection.pms_sync_runs.all()[:RECENT_RUNS]
    rows = format_html_join(
        "",
        "<li>{} — {}: {} missing, {} outdated, {} applied</li>",
        (
            (
                admin_link(run, zones.when(run.created_at)),
                run.get_status_display(),
                run.missing,
                run.outdated,
                run.applied,
            )
            for run in runs
        ),
    )
    return format_html("{}<ul>{}</ul>", head, rows or format_html("<li>No sync yet.</li>"))


@admin.register(PmsSyncRun)
class PmsSyncRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "connection_link", "tenant", "status", "fetched", "missing", "outdated", "applied"]
    list_filter = ["status"]
    search_fields = ["connection__name", "tenant__name", "error"]
    list_select_related = ["connection", "tenant"]
    date_hierarchy = "created_at"
    fields = [
        "connection_link",
        "tenant",
        "status",
        "since",
        "requested_by",
        "created_at",
        "started_at",
        "finished_at",
        "fetched",
        "missing",
        "outdated",
        "applied",
        "error",
        "gap_list",
    ]
    readonly_fields = fields

    @admin.display(description="Connection")
    def connection_link(self, obj):
        return admin_link(obj.connection)

    @admin.display(description="What the webhooks had missed")
    def gap_list(self, obj):
        if not obj.gaps:
            return "Nothing: Opsdesk held every reservation in its latest state."
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{} ({})</td><td>{} {}</td></tr>",
            (
                (
                    gap["reservation_id"],
                    "missing" if gap["kind"] == "missing" else "older state",
                    gap["pms_status"],
                    gap["pms_updated_at"],
                    gap.get("opsdesk_status") or "-",
                    f"({gap['opsdesk_updated_at']})" if gap.get("opsdesk_updated_at") else "",
                )
                for gap in obj.gaps
            ),
        )
        return format_html(
            "<table><thead><tr><th>Reservation</th><th>Gap</th><th>In the PMS (updated, UTC)</th>"
            "<th>In Opsdesk before the sync</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )
