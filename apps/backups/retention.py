"""Which backups retention keeps: a pure decision over (id, taken at) pairs, in UTC.

Grandfather-father-son, as restic and borg count it: the newest backup of each of the last
`daily` days that have a backup, of each of the last `weekly` ISO weeks and of each of the last
`monthly` months. The newest backup is always kept, whatever the numbers say."""

from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class Policy:
    daily: int = 7
    weekly: int = 4
    monthly: int = 6


@dataclass(frozen=True)
class Taken:
    id: int
    at: datetime


BUCKETS = {
    "daily": lambda at: at.date(),
    "weekly": lambda at: at.isocalendar()[:2],
    "monthly": lambda at: (at.year, at.month),
}


def decide(backups, policy: Policy) -> dict[int, list[str]]:
    """{id: reasons kept} for every backup kept; an id missing from the answer is deleted."""
    newest_first = sorted(backups, key=lambda taken: taken.at, reverse=True)
    kept: dict[int, list[str]] = {}
    for reason, bucket in BUCKETS.items():
        for taken in _newest_per_bucket(newest_first, bucket, getattr(policy, reason)):
            kept.setdefault(taken.id, []).append(reason)
    if newest_first and newest_first[0].id not in kept:
        kept[newest_first[0].id] = ["newest"]
    return kept


def _newest_per_bucket(newest_first, bucket, count):
    seen = []
    for taken in newest_first:
        key = bucket(taken.at.astimezone(UTC))
        if len(seen) >= count:
            return
        if key not in seen:
            seen.append(key)
            yield taken
