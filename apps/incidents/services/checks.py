""" "Run checks" on an incident: the checks its runbooks name run now (apps.health.checks), and each
result lands on the timeline as evidence."""

from django.db import transaction
from django.utils import timezone

from apps.core.errors import ServiceError
from apps.incidents import runbooks
from apps.incidents.models import TimelineEntry
from apps.incidents.services.timeline import add_timeline_entry

STATUS_WORDS = {"pass": "passed", "fail": "FAILED", "skip": "skipped"}
OPTIONAL_FIELDS = ("tenant", "target", "latency_ms")


def run_checks(incident, *, actor, names=None, now=None) -> list[TimelineEntry]:
    """Runs `names` (default: every check of the incident's runbooks) for its affected tenants."""
    names = list(names or runbooks.checks_for(incident))
    if not names:
        raise ServiceError(
            "No runbook of this incident names a check: add checks to its runbook, or give the "
            "incident the event codes it is about.",
            "no_checks",
        )
    from apps.health import checks

    results = checks.run_many(names, tenants=list(incident.tenants_concerned().order_by("slug")))
    now = now or timezone.now()
    with transaction.atomic():
        return [_attach(incident, result, actor, now) for result in results]


def _attach(incident, result, actor, now):
    where = ", ".join(part for part in (getattr(result, "tenant", ""), getattr(result, "target", "")) if part)
    text = f"Check {result.name}{f' ({where})' if where else ''} {STATUS_WORDS.get(result.status, result.status)}"
    if result.detail:
        text += f": {result.detail}"
    data = {"name": result.name, "status": result.status, "value": result.value, "detail": result.detail}
    data.update({key: getattr(result, key) for key in OPTIONAL_FIELDS if getattr(result, key, None) not in (None, "")})
    return add_timeline_entry(incident, TimelineEntry.Kind.CHECK, text, author=actor, at=now, data=data)


def latest_results(incident) -> list[TimelineEntry]:
    """The most recent result of each check (per tenant and target) that ran on the incident."""
    latest = {}
    for entry in incident.timeline.filter(kind=TimelineEntry.Kind.CHECK).order_by("at", "id"):
        latest[(entry.data.get("name", entry.pk), entry.data.get("tenant", ""), entry.data.get("target", ""))] = entry
    return list(latest.values())
