"""What a support lead reads about AI drafts over a period: per project and per person who decided,
how many were proposed, approved as they were, edited, rejected, superseded or found no knowledge,
and the time from the customer's message to the draft (median, p90). Two grouped queries for the
counts and one for the times, whatever the number of projects."""

import statistics
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from apps.drafts.models import AIDraft

PERIODS = (7, 30)
S = AIDraft.Status
COUNTS = {
    "proposed": Count("id", filter=Q(proposed_at__isnull=False)),
    "as_is": Count("id", filter=Q(approved_at__isnull=False, edited=False)),
    "edited": Count("id", filter=Q(approved_at__isnull=False, edited=True)),
    "rejected": Count("id", filter=Q(status=S.REJECTED)),
    "superseded": Count("id", filter=Q(status=S.SUPERSEDED)),
    "no_knowledge": Count("id", filter=Q(status=S.NO_KNOWLEDGE)),
}


@dataclass(frozen=True)
class Row:
    label: str
    proposed: int = 0
    as_is: int = 0
    edited: int = 0
    rejected: int = 0
    superseded: int = 0
    no_knowledge: int = 0
    median_s: float | None = None
    p90_s: float | None = None


def period_days(value) -> int:
    try:
        days = int(value)
    except (TypeError, ValueError):
        return PERIODS[0]
    return days if days in PERIODS else PERIODS[0]


def drafts_in(drafts, days, now=None):
    return drafts.filter(created_at__gte=(now or timezone.now()) - timedelta(days=days))


def per_project(drafts) -> list[Row]:
    times = _times_by(drafts, "project_id")
    rows = drafts.values("project_id", "project__name").annotate(**COUNTS).order_by("project__name")
    return [_row(r["project__name"], r, times.get(r["project_id"], [])) for r in rows]


def per_agent(drafts) -> list[Row]:
    rows = drafts.exclude(approved_by="").values("approved_by").annotate(**COUNTS).order_by("approved_by")
    return [_row(r["approved_by"], r) for r in rows]


def _times_by(drafts, key) -> dict:
    found: dict = {}
    timed = drafts.filter(proposed_at__isnull=False).values_list(key, "message_at", "proposed_at")
    for group, message_at, proposed_at in timed:
        found.setdefault(group, []).append(max(0.0, (proposed_at - message_at).total_seconds()))
    return found


def _row(label, counts, seconds=()) -> Row:
    values = {name: counts[name] for name in COUNTS}
    return Row(label=label, **values, median_s=_median(seconds), p90_s=_p90(seconds))


def _median(seconds):
    return round(statistics.median(seconds), 1) if seconds else None


def _p90(seconds):
    if not seconds:
        return None
    ordered = sorted(seconds)
    return round(ordered[min(len(ordered) - 1, max(0, -(-9 * len(ordered) // 10) - 1))], 1)


def tables(drafts) -> list[tuple]:
    """(caption, rows, first column's heading) for the pages: per project, then per person."""
    return [
        ("Per project", per_project(drafts), "Project"),
        ("Per person who decided", per_agent(drafts), "Decided by"),
    ]
