"""What `/metrics` reads from the database at scrape time: the inbox backlog, the database's own
connections, and the age of the last good backup and restore drill.

Each collector runs one cheap query (bounded by METRICS_QUERY_TIMEOUT_MS on PostgreSQL) and
reports whether it worked (`opsdesk_scrape_collector_success`) and how long it took, so a slow or
failing query shows as such instead of failing the whole scrape."""

import logging
import math
import time

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from apps.integrations.models import InboundEvent

logger = logging.getLogger("opsdesk.metrics")
BACKLOG = (
    InboundEvent.Status.RECEIVED,
    InboundEvent.Status.PROCESSING,
    InboundEvent.Status.FAILED,
    InboundEvent.Status.DEAD_LETTERED,
)


class ScrapeCollector:
    """A reading taken at scrape time: `families()` runs in a time-bounded transaction."""

    name = ""

    def read(self):
        """On PostgreSQL in a transaction of its own, so the timeout ends with it; SQLite's
        transactions take the write lock (IMMEDIATE), so there the reading runs without one."""
        if connection.vendor != "postgresql":
            return list(self.families())
        with transaction.atomic():
            with connection.cursor() as cursor:
                timeout = str(settings.METRICS_QUERY_TIMEOUT_MS)
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [timeout])
            return list(self.families())

    def families(self):
        """The metric families this reading yields; each reading subclass defines it."""
        raise NotImplementedError(f"{type(self).__name__} must define families()")


class ScrapeTime:
    """Every reading, then one family saying whether each worked and one how long each took."""

    def __init__(self, readings=None):
        self.readings = readings or [reading() for reading in READINGS]

    def collect(self):
        success = GaugeMetricFamily(
            "opsdesk_scrape_collector_success", "1 when the reading's query worked.", labels=["collector"]
        )
        duration = GaugeMetricFamily(
            "opsdesk_scrape_collector_duration_seconds", "Time the reading took.", labels=["collector"]
        )
        for reading in self.readings:
            started, ok = time.perf_counter(), True
            try:
                yield from reading.read()
            except Exception as exc:
                logger.warning("metrics: the %s reading failed: %s", reading.name, exc)
                ok = False
            success.add_metric([reading.name], 1.0 if ok else 0.0)
            duration.add_metric([reading.name], time.perf_counter() - started)
        yield success
        yield duration


class InboxCollector(ScrapeCollector):
    """One grouped query over the statuses that are not done (the (status, next_attempt_at) index)."""

    name = "inbox"

    def families(self):
        rows = {row["status"]: row for row in _backlog_rows()}
        now = timezone.now()
        events = GaugeMetricFamily(
            "opsdesk_inbox_events", "Inbound events waiting or dead-lettered, by status.", labels=["status"]
        )
        oldest = GaugeMetricFamily(
            "opsdesk_inbox_oldest_event_age_seconds",
            "Age of the oldest inbound event in each status (0 when there is none).",
            labels=["status"],
        )
        for status in BACKLOG:
            row = rows.get(status, {"count": 0, "oldest": None})
            events.add_metric([status], row["count"])
            oldest.add_metric([status], (now - row["oldest"]).total_seconds() if row["oldest"] else 0.0)
        return [events, oldest]


def _backlog_rows():
    return (
        InboundEvent.objects.filter(status__in=BACKLOG)
        .order_by()
        .values("status")
        .annotate(count=Count("id"), oldest=Min("received_at"))
    )


class DatabaseCollector(ScrapeCollector):
    """Connections to our database by state from pg_stat_activity, and the server's limit. The app's
    role sees the state of its own sessions only; other roles' sessions count as "unknown"."""

    name = "database"
    SQL = (
        "SELECT COALESCE(state, 'unknown'), count(*), count(*) FILTER (WHERE wait_event_type = 'Lock'), "
        "current_setting('max_connections')::int FROM pg_stat_activity "
        "WHERE datname = current_database() AND backend_type = 'client backend' GROUP BY 1"
    )

    def families(self):
        if connection.vendor != "postgresql":
            return []
        with connection.cursor() as cursor:
            cursor.execute(self.SQL)
            rows = cursor.fetchall()
        return _connection_families(rows)


def _connection_families(rows):
    by_state = GaugeMetricFamily(
        "opsdesk_db_connections", "Connections to Opsdesk's database by state (pg_stat_activity).", labels=["state"]
    )
    for state, count, _waiting, _limit in rows:
        by_state.add_metric([state], count)
    waiting = GaugeMetricFamily("opsdesk_db_connections_waiting_on_lock", "Sessions waiting for a lock.")
    waiting.add_metric([], sum(row[2] for row in rows))
    limit = GaugeMetricFamily("opsdesk_db_connections_max", "The server's max_connections.")
    limit.add_metric([], rows[0][3] if rows else math.nan)
    return [by_state, waiting, limit]


class BackupCollector(ScrapeCollector):
    """The last good backup and restore drill (apps.backups); NaN when there is none, or when the
    backups app is not installed."""

    name = "backups"
    FAMILIES = (
        ("Backup", "succeeded", "opsdesk_backup_last_success", "the last successful backup"),
        ("BackupDrill", "passed", "opsdesk_backup_drill_last_success", "the last passed restore drill"),
    )

    def families(self):
        now = timezone.now()
        families = []
        for model_name, status, prefix, what in self.FAMILIES:
            finished = _last_finished(model_name, status)
            stamp = GaugeMetricFamily(f"{prefix}_timestamp_seconds", f"When {what} finished (Unix time).")
            stamp.add_metric([], finished.timestamp() if finished else math.nan)
            age = GaugeMetricFamily(f"{prefix}_age_seconds", f"Seconds since {what} finished.")
            age.add_metric([], (now - finished).total_seconds() if finished else math.nan)
            families += [stamp, age]
        return families


def _last_finished(model_name, status):
    try:
        model = apps.get_model("backups", model_name)
    except LookupError:
        return None
    row = model.objects.filter(status=status).order_by("-started_at").values_list("finished_at", flat=True).first()
    return row


READINGS = (InboxCollector, DatabaseCollector, BackupCollector)
