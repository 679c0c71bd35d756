"""Ticket reports: first response and resolution times (median, p90) and SLA breaches per week,
by priority and by tenant. Each measure falls in the week it happened: a first response in the
week it was sent, a resolution in the week the ticket was solved, a breach in the week it was
marked; only what happened inside the window (the last weeks, or chosen days) counts. Times are SLA
minutes (business hours where the policy says so, pauses excluded)."""

import csv
import math
import statistics
from collections import defaultdict
from datetime import datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from apps.tickets.models import Ticket
from apps.tickets.sla import TARGETS

DIMENSIONS = ("priority", "tenant")
COLUMNS = [
    "week",
    "dimension",
    "group",
    "first_responses",
    "first_response_median",
    "first_response_p90",
    "resolved",
    "resolution_median",
    "resolution_p90",
    "breaches",
]


def week_start(moment) -> datetime:
    day = timezone.localtime(moment).date()
    return timezone.make_aware(datetime.combine(day - timedelta(days=day.weekday()), time.min))


def percentile(values, fraction):
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def _median(values):
    return round(statistics.median(values), 1) if values else None


def _p90(values):
    value = percentile(values, 0.9)
    return None if value is None else round(value, 1)


def first_week(now, weeks) -> datetime:
    """The start of the first of the last `weeks` weeks up to `now`."""
    return week_start(now) - timedelta(weeks=weeks - 1)


def day_window(first_day, last_day) -> tuple[datetime, datetime]:
    """From the start of `first_day` to the end of `last_day` (both included), in the current zone."""
    return _midnight(first_day), _midnight(last_day + timedelta(days=1))


def _midnight(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _within(moment, start, end) -> bool:
    return moment is not None and moment >= start and (end is None or moment < end)


def _happened_between(field, start, end) -> Q:
    return Q(**{f"{field}__gte": start}) & (Q(**{f"{field}__lt": end}) if end else Q())


def _rows_in_range(start, end):
    fields = ["first_response_at", "solved_at"] + [f"{target}_breached_at" for target in TARGETS]
    happened = Q()
    for field in fields:
        happened |= _happened_between(field, start, end)
    values = ["priority", "tenant__name", "first_response_minutes", "resolution_minutes"] + fields
    return Ticket.objects.filter(happened).values(*values)


def between(start, end=None) -> list[dict]:
    """One row per week, dimension and group that saw anything from `start` until `end` (None: no
    end), oldest week first. Only what happened inside the window counts (an incident's window, say)."""
    buckets = defaultdict(lambda: {"first": [], "resolution": [], "breaches": 0})
    for row in _rows_in_range(start, end):
        groups = {"priority": row["priority"], "tenant": row["tenant__name"]}
        for dimension, group in groups.items():
            _add(buckets, row, dimension, group, start, end)
    return [
        _row(key, values)
        for key, values in sorted(buckets.items(), key=lambda item: (item[0][0], item[0][1], item[0][2]))
    ]


def _add(buckets, row, dimension, group, start, end):
    if _within(row["first_response_at"], start, end) and row["first_response_minutes"] is not None:
        buckets[(week_start(row["first_response_at"]), dimension, group)]["first"].append(row["first_response_minutes"])
    if _within(row["solved_at"], start, end) and row["resolution_minutes"] is not None:
        buckets[(week_start(row["solved_at"]), dimension, group)]["resolution"].append(row["resolution_minutes"])
    for target in TARGETS:
        moment = row[f"{target}_breached_at"]
        if _within(moment, start, end):
            buckets[(week_start(moment), dimension, group)]["breaches"] += 1


def _row(key, values):
    week, dimension, group = key
    return {
        "week": week.date(),
        "dimension": dimension,
        "group": group,
        "first_responses": len(values["first"]),
        "first_response_median": _median(values["first"]),
        "first_response_p90": _p90(values["first"]),
        "resolved": len(values["resolution"]),
        "resolution_median": _median(values["resolution"]),
        "resolution_p90": _p90(values["resolution"]),
        "breaches": values["breaches"],
    }


def breaches_per_week(rows, start, end=None):
    """[(week label, breaches)] over every week from `start` to `end` (None: now), zeros included,
    for the chart."""
    first = week_start(start)
    last = week_start(end - timedelta(microseconds=1)) if end else week_start(timezone.now())
    totals = defaultdict(int)
    for row in rows:
        if row["dimension"] == "priority":
            totals[row["week"]] += row["breaches"]
    weeks_in_range = [(first + timedelta(weeks=i)).date() for i in range((last - first).days // 7 + 1)]
    return [(f"{week:%d %b}", totals[week]) for week in weeks_in_range]


def write_csv(rows, stream):
    writer = csv.DictWriter(stream, fieldnames=COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "week": row["week"].isoformat()})
