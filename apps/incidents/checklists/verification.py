"""The "post-outage verification" checks: has the system stayed well since recovery (the incident's
`resolved_at`)? The 15-minute health gate counts down on the page; SLA adherence is a person's
review of the tickets report for the incident's window, ticked by hand."""

from datetime import timedelta

from django.db.models import Max
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.http import urlencode

from apps.core import zones
from apps.incidents.checklists.registry import checklist_check, failed, green, not_applicable, pending, waiting

NOT_YET = "starts when the incident is resolved (recovery)"


def minutes_text(seconds) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} min {rest:02d} s"


@checklist_check(
    "health_green_for", "Every health check green for 15 minutes or more (a gate)", defaults={"minutes": 15}
)
def health_green_for(run):
    from apps.health.models import HealthMonitor, MonitorResult

    monitors = HealthMonitor.objects.filter(enabled=True)
    if not monitors.exists():
        return not_applicable("no health monitor is enabled")
    unwell = list(monitors.filter(state__in=[HealthMonitor.State.FAILING, HealthMonitor.State.DOWN]).order_by("name"))
    if unwell:
        names = ", ".join(f"{monitor.name} ({monitor.get_state_display().lower()})" for monitor in unwell)
        return failed(f"not green now: {names}")
    last_failure = MonitorResult.objects.filter(
        monitor__enabled=True, status=MonitorResult.Status.FAIL, at__lte=run.now
    ).aggregate(last=Max("at"))["last"]
    return gate(last_failure, run)


def gate(last_failure, run):
    needed = timedelta(minutes=run.params["minutes"])
    if last_failure is None:
        return green("every enabled health check is green; none failed in the history kept")
    due = last_failure + needed
    since = f"every health check green since {zones.when(last_failure, 's')}"
    if run.now >= due:
        return green(f"{since} ({minutes_text((run.now - last_failure).total_seconds())})")
    left = minutes_text((due - run.now).total_seconds())
    return waiting(f"{since}; {run.params['minutes']:g} min needed, {left} to go", due_at=due)


@checklist_check("no_new_dead_letters", "No new dead letters since recovery")
def no_new_dead_letters(run):
    from apps.integrations.models import InboundEvent

    since = run.incident.resolved_at
    if since is None:
        return pending(NOT_YET)
    rows = InboundEvent.objects.dead_letters().filter(dead_lettered_at__gte=since)
    count = rows.count()
    if count:
        newest = rows.order_by("-dead_lettered_at").first()
        return failed(
            f"{count} dead letter(s) since recovery at {zones.when(since, 's')}; newest: {newest.provider} "
            f"{newest.event_type} ({(newest.last_error or 'no error kept').splitlines()[0][:200]})",
            dead_letters=count,
        )
    return green(f"no dead letters since recovery at {zones.when(since, 's')}", dead_letters=0)


@checklist_check("webhook_retry_rate", "Webhook retry success rate since recovery above 95 %", defaults={"percent": 95})
def webhook_retry_rate(run):
    from apps.integrations import queries

    since = run.incident.resolved_at
    if since is None:
        return pending(NOT_YET)
    retried = [row for row in queries.retry_outcomes(since) if row["attempts"] > 1]
    counts = {status: sum(row["events"] for row in retried if row["status"] == status) for status in STATUSES}
    return retry_rate(counts, run.params["percent"])


STATUSES = ("processed", "dead_lettered", "failed")


def retry_rate(counts, percent):
    done = counts["processed"] + counts["dead_lettered"]
    if done == 0:
        if counts["failed"]:
            return waiting(f"{counts['failed']} retried delivery(ies) still retrying; none finished yet", **counts)
        return green("no webhook delivery needed a retry since recovery", **counts)
    rate = 100 * counts["processed"] / done
    text = f"{rate:.1f} % of retried deliveries since recovery were processed ({counts['processed']} of {done})"
    if rate > percent:
        return green(text, rate=round(rate, 1), **counts)
    return failed(f"{text}; needs above {percent:g} %", rate=round(rate, 1), **counts)


@checklist_check(
    "backlog_cleared",
    "The queue backlog is cleared (inbox, outbound, knowledge sync)",
    defaults={"minutes": 15},
)
def backlog_cleared(run):
    older_than = run.now - timedelta(minutes=run.params["minutes"])
    parts = [inbox_backlog(older_than), outbound_backlog(older_than), sync_backlog(run.incident)]
    problems = [text for count, text in parts if count]
    value = {"inbox": parts[0][0], "outbound": parts[1][0], "sync_failing": parts[2][0]}
    if problems:
        return failed("; ".join(problems), **value)
    return green(
        f"nothing waits longer than {run.params['minutes']:g} min in the inbox or outbound queue; every knowledge "
        "source syncs",
        **value,
    )


def inbox_backlog(older_than):
    from apps.integrations.models import InboundEvent
    from apps.integrations.queries import PENDING

    count = InboundEvent.objects.filter(status__in=PENDING, received_at__lt=older_than).count()
    return count, f"inbox: {count} event(s) waiting since before {zones.when(older_than)}"


def outbound_backlog(older_than):
    from apps.outbound.models import OutboundMessage

    due_since = Coalesce("next_attempt_at", "queued_at", "created_at")
    count = (
        OutboundMessage.objects.filter(status="queued", connection__sending_paused_at__isnull=True)
        .annotate(due_since=due_since)
        .filter(due_since__lt=older_than)
        .count()
    )
    return count, f"outbound: {count} queued message(s) due since before {zones.when(older_than)}"


def sync_backlog(incident):
    from apps.knowledge.models import ProjectSource

    rows = ProjectSource.objects.filter(is_active=True, consecutive_failures__gt=0)
    tenants = list(incident.affected_tenants.all())
    if tenants:
        rows = rows.filter(tenant__in=tenants)
    names = [
        f"{source.tenant.slug} / {source}" for source in rows.select_related("tenant", "project", "connection")[:5]
    ]
    count = rows.count()
    return count, f"knowledge sync: {count} source(s) still failing ({', '.join(names)})"


def sla_review_links(incident):
    """The tickets of the incident's window and the SLA report of the days it covers."""
    from django.utils import timezone

    start, end = incident.began_at, incident.resolved_at or timezone.now()
    window = urlencode({"last_activity_at__gte": start.isoformat(), "created_at__lte": end.isoformat()})
    first, last = (f"{timezone.localtime(moment):%Y-%m-%d}" for moment in (start, end))
    return [
        (
            f"Tickets active {zones.when(start)} – {zones.when(end)}",
            reverse("admin:tickets_ticket_changelist") + f"?{window}",
        ),
        (
            f"SLA report, {first} to {last}",
            reverse("admin:tickets_reports") + "?" + urlencode({"start": first, "end": last}),
        ),
    ]


@checklist_check(
    "sla_reviewed",
    "SLA adherence for the affected period reviewed (tickets report of the incident's window)",
    manual=True,
    tickable=True,
    link=sla_review_links,
)
def sla_reviewed(run):
    return pending("a person reviews the tickets of the incident's window and ticks this")
