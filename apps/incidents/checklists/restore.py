"""The "restore automation" checks: is every link of the support loop working again? Each Chatwoot
check runs for every active Chatwoot connection of the incident's affected tenants (every active one
when the incident is platform-wide)."""

import uuid
from datetime import timedelta

from django.db.models import Count, Q

from apps.core import zones
from apps.health import http
from apps.incidents.checklists.registry import checklist_check, failed, green, not_applicable, waiting

DELIVERY_STUCK_AFTER = timedelta(minutes=5)
LOOP_REQUEUE_AFTER = timedelta(minutes=10)
SLA_JOB = "tickets.mark_sla_breaches"


def chatwoot_connections(incident) -> list:
    from apps.integrations.models import Connection

    rows = Connection.objects.filter(provider="chatwoot", is_active=True).select_related("tenant")
    tenants = list(incident.affected_tenants.all())
    if tenants:
        rows = rows.filter(tenant__in=tenants)
    return list(rows.order_by("tenant__slug", "name"))


def where(connection) -> str:
    return f"{connection.tenant.slug} / {connection.name}"


def judged(lines, oks, value):
    """Green when every part is fine, failed when one failed, waiting otherwise (None: not yet known)."""
    detail = "; ".join(lines)
    if all(ok is True for ok in oks):
        return green(detail, **value)
    if any(ok is False for ok in oks):
        return failed(detail, **value)
    return waiting(detail, **value)


def per_connection(run, probe, **value):
    connections = chatwoot_connections(run.incident)
    if not connections:
        return not_applicable("no affected tenant has an active Chatwoot connection")
    results = [(connection, *probe(connection)) for connection in connections]
    return judged(
        [f"{where(connection)}: {text}" for connection, _ok, text in results],
        [ok for _connection, ok, _text in results],
        {"connections": {where(connection): ok for connection, ok, _text in results}, **value},
    )


# --- Chatwoot answers ---------------------------------------------------------------------------


@checklist_check("chatwoot_health", "Chatwoot /rails/health answers 200")
def chatwoot_health(run):
    return per_connection(run, rails_health)


def rails_health(connection):
    base = (connection.setting("base_url") or "").rstrip("/")
    if not base:
        return False, "the connection has no base_url configured"
    try:
        response = http.get(f"{base}/rails/health")
    except http.ProbeError as exc:
        return False, f"/rails/health: {exc}"
    return response.status_code == 200, f"/rails/health answered HTTP {response.status_code}"


@checklist_check("chatwoot_api", "Chatwoot's API accepts the source's token (authenticated probe)")
def chatwoot_api(run):
    return per_connection(run, api_probe)


def api_probe(connection):
    from apps.integrations.chatwoot.client import ChatwootClient, ChatwootError

    client = ChatwootClient(connection, sleep=lambda seconds: None)
    try:
        page = client.conversations(status="open", page=1)
    except ChatwootError as exc:
        return False, f"API refused or failed: {exc.describe()}"
    return True, f"API accepted the token ({len(page['payload'])} open conversation(s) on page 1)"


# --- a test webhook delivery --------------------------------------------------------------------


@checklist_check(
    "test_webhook_delivery", "A signed test webhook delivery reaches the inbox and is processed (marked as a test)"
)
def test_webhook_delivery(run):
    connections = chatwoot_connections(run.incident)
    if not connections:
        return not_applicable("no affected tenant has an active Chatwoot connection")
    sent = dict(run.previous.get("deliveries") or {})
    results = [
        (connection, *delivery_state(connection, sent.get(str(connection.pk)), run)) for connection in connections
    ]
    return judged(
        [f"{where(connection)}: {text}" for connection, _ok, text, _record in results],
        [ok for _connection, ok, _text, _record in results],
        {"deliveries": {str(connection.pk): record for connection, _ok, _text, record in results}},
    )


def delivery_state(connection, record, run):
    """(ok, text, record) of the connection's test delivery: processed (True), on its way (None), or
    lost or refused (False); a new one is sent when none is on its way."""
    from apps.integrations import synthetic_delivery
    from apps.integrations.models import InboundEvent

    S = InboundEvent.Status
    row = synthetic_delivery.find(connection, record["token"]) if record else None
    if row is not None and row.status == S.PROCESSED:
        return True, f"test delivery processed at {zones.when(row.processed_at, 's')}", record
    if row is not None and row.status in (S.RECEIVED, S.PROCESSING, S.FAILED) and not _stuck(record, run):
        return None, f"test delivery {row.get_status_display().lower()}, waiting for a worker", record
    lost = _lost(row, record)
    ok, text, record = send_test_delivery(connection, run)
    return (False if lost else ok), (f"{lost}; {text}" if lost else text), record


def _stuck(record, run):
    from django.utils.dateparse import parse_datetime

    sent_at = parse_datetime(record.get("sent_at") or "")
    return sent_at is None or run.now - sent_at > DELIVERY_STUCK_AFTER


def _lost(row, record):
    if record is None:
        return ""
    if row is None:
        return "the last test delivery never reached the inbox"
    reason = f": {row.last_error.splitlines()[0]}" if row.last_error else ""
    return f"the last test delivery ended {row.get_status_display().lower()}{reason}"


def send_test_delivery(connection, run):
    from apps.integrations import synthetic_delivery
    from apps.integrations.delivery import Refused

    token = f"incident-{run.incident.pk}-{uuid.uuid4().hex[:12]}"
    record = {"token": token, "sent_at": run.now.isoformat()}
    try:
        row = synthetic_delivery.send_chatwoot(connection, token, now=run.now)
    except Refused as refused:
        return False, f"the webhook refused the test delivery (HTTP {refused.status}: {refused.detail})", record
    if row is None:
        return False, "the test delivery was not stored", record
    if row.status == row.Status.PROCESSED:
        return True, f"test delivery processed at {zones.when(row.processed_at, 's')}", record
    return None, "test delivery sent and stored; it is seen processed on a later run", record


# --- the AI draft path --------------------------------------------------------------------------


@checklist_check("ai_draft_path", "The AI draft path answers (the support-loop end-to-end check passes)")
def ai_draft_path(run):
    sources = draft_sources(run.incident)
    if not sources:
        return not_applicable("AI drafts are off for every affected tenant")
    queued = dict(run.previous.get("queued") or {})
    results = [(source, *loop_state(source, queued, run)) for source in sources]
    return judged(
        [f"{source.tenant.slug}: {text}" for source, _ok, text in results],
        [ok for _source, ok, _text in results],
        {"queued": queued},
    )


def draft_sources(incident) -> list:
    """One project source with AI drafts on per tenant (the loop check runs per tenant)."""
    from apps.drafts.models import DraftSettings

    rows = DraftSettings.objects.filter(enabled=True, source__connection__is_active=True).select_related(
        "source__tenant", "source__connection"
    )
    tenants = list(incident.affected_tenants.all())
    if tenants:
        rows = rows.filter(tenant__in=tenants)
    by_tenant = {}
    for row in rows.order_by("tenant_id", "pk"):
        by_tenant.setdefault(row.tenant_id, row.source)
    return list(by_tenant.values())


def loop_state(source, queued, run):
    """The latest loop result since the incident was detected: a pass is green. Otherwise a person's
    run queues the loop check (at most once every LOOP_REQUEUE_AFTER: it waits on webhooks for up to
    a minute and posts a test conversation to the tenant's Chatwoot, so the beat job only reads)."""
    from apps.drafts import e2e_services
    from apps.health.checks import FAIL, PASS

    latest = e2e_services.latest_result(source.tenant)
    fresh = latest is not None and latest.at >= run.incident.detected_at
    if fresh and latest.status == PASS:
        return True, f"support loop passed at {zones.when(latest.at, 's')}: {latest.detail}"
    text = f"support loop failed at {zones.when(latest.at, 's')}: {latest.detail}" if fresh else "no run yet"
    if run.actor is not None and _requeue_due(queued.get(str(source.tenant_id)), run):
        e2e_services.queue_loop_check(source, by=run.actor)
        queued[str(source.tenant_id)] = run.now.isoformat()
        text += "; a new run is queued"
    return (False if fresh and latest.status == FAIL else None), text


def _requeue_due(queued_at, run):
    from django.utils.dateparse import parse_datetime

    moment = parse_datetime(queued_at or "")
    return moment is None or run.now - moment > LOOP_REQUEUE_AFTER


# --- monitoring, manual mode, people told -------------------------------------------------------


@checklist_check(
    "sla_monitoring", "SLA monitoring is on (the SLA job is scheduled and ran recently)", defaults={"minutes": 5}
)
def sla_monitoring(run):
    from apps.jobs import registry, scheduler
    from apps.jobs.models import WorkerRun

    try:
        registry.get(SLA_JOB)
    except KeyError:
        return failed(f"the job {SLA_JOB} is not registered")
    task = scheduler.beat_tasks([SLA_JOB]).get(SLA_JOB)
    if task is not None and not task.enabled:
        return failed(f"beat's schedule for {SLA_JOB} is disabled: enable it on the Jobs page")
    last = WorkerRun.objects.filter(name=SLA_JOB).order_by("-started_at").first()
    return _judge_last_run(last, run)


def _judge_last_run(last, run):
    from apps.jobs.models import WorkerRun

    minutes = run.params["minutes"]
    if last is None:
        return failed(f"{SLA_JOB} never ran: are beat and a worker up?")
    when = zones.when(last.started_at, "s")
    if last.status == WorkerRun.Status.FAILED:
        return failed(f"{SLA_JOB}'s last run at {when} failed: {last.error_line}")
    if run.now - last.started_at > timedelta(minutes=minutes):
        return failed(f"{SLA_JOB} last ran at {when}, more than {minutes:g} min ago: are beat and a worker up?")
    return green(f"{SLA_JOB} is scheduled; last run {last.get_status_display().lower()} at {when}")


@checklist_check("manual_mode_off", "Manual mode is off (platform-wide and for the affected tenants)")
def manual_mode_off(run):
    """Off means the switches are off and the conversations answered by hand were handed back."""
    from apps.tenants.models import SystemSettings

    still_on = ["platform-wide"] if SystemSettings.load().manual_mode_since else []
    affected = run.incident.affected_tenants.all()
    still_on += list(affected.filter(manual_mode_since__isnull=False).order_by("slug").values_list("slug", flat=True))
    if still_on:
        return failed(f"manual mode is still on: {', '.join(still_on)}; turning it off hands the conversations back")
    still_open = _open_manual_conversations(affected)
    if still_open:
        return failed(
            f"manual mode is off but {_counted(still_open)}: turning manual mode off again hands them back "
            "to automation"
        )
    return green("manual mode is off platform-wide and for every affected tenant; no conversation left open")


def _open_manual_conversations(affected) -> dict[str, int]:
    """{tenant slug: open fallback conversations} of the affected tenants, and of any tenant whose own
    switch is off (left open from platform-wide manual mode); another tenant's own manual mode is its own."""
    from apps.fallback import state

    mine = Q(tenant__in=affected) | Q(tenant__manual_mode_since__isnull=True)
    rows = state.open_conversations().filter(mine).values("tenant__slug").annotate(count=Count("pk"))
    return {row["tenant__slug"]: row["count"] for row in rows.order_by("tenant__slug")}


def _counted(by_tenant) -> str:
    total = sum(by_tenant.values())
    where = ", ".join(f"{slug}: {count}" for slug, count in by_tenant.items())
    return f"{total} fallback conversation(s) are still open ({where})"


@checklist_check("team_notified", "The team is notified (a notification for this incident was sent)", tickable=True)
def team_notified(run):
    from apps.incidents.models import Notification

    notifications = run.incident.notifications.order_by("sent_at", "pk")
    sent = notifications.filter(status=Notification.State.SENT).first()
    if sent is not None:
        return green(f"{sent.get_channel_display()} to {sent.recipient} sent at {zones.when(sent.sent_at, 's')}")
    waiting_ones = notifications.filter(status__in=[Notification.State.QUEUED, Notification.State.SENDING]).count()
    if waiting_ones:
        return waiting(f"{waiting_ones} notification(s) queued, none sent yet")
    return failed("no notification for this incident was sent: notify the team, or tick this once told another way")
