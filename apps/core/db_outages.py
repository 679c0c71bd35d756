"""Database outages counted while the database is down and reported once it is back.

A connection error has nowhere to go while the database cannot be reached, so each one is
appended to a spool file (one JSON line; appends of a short line are atomic, so gunicorn and
Celery processes can share the file). `drain()` runs once the database answers again (a job every
minute and `/readyz`): it takes the file over by renaming it, sums it up and sends
`database_recovered`, which the Error Center turns into one `DATABASE_UNAVAILABLE` event. If that
fails, the lines go back to the spool, so an outage is never lost."""

import json
import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import InterfaceError, OperationalError

logger = logging.getLogger("opsdesk.db")
SPOOL_NAME = "db-outages.jsonl"
CONNECTION_SQLSTATE_PREFIXES = ("08", "57P01", "57P02", "57P03", "53300")


@dataclass
class Outage:
    errors: int
    first_at: datetime
    last_at: datetime
    places: dict = field(default_factory=dict)
    sample: str = ""

    @property
    def seconds(self) -> float:
        return round((self.last_at - self.first_at).total_seconds(), 1)


def spool_path() -> Path:
    return Path(settings.DB_OUTAGE_SPOOL_DIR) / SPOOL_NAME


def is_connection_error(exc) -> bool:
    """True for "cannot reach or lost the database", not for a bad statement or a timeout."""
    if not isinstance(exc, (OperationalError, InterfaceError)):
        return False
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith(CONNECTION_SQLSTATE_PREFIXES)


def record(exc, where: str, *, now=None) -> bool:
    """Appends one line for a connection error; anything else is ignored. Never raises."""
    if not is_connection_error(exc):
        return False
    line = {"at": (now or datetime.now(UTC)).isoformat(), "where": where[:200], "error": str(exc)[:300]}
    try:
        path = spool_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as spool:
            spool.write(json.dumps(line) + "\n")
    except OSError as error:
        logger.error("Database outage could not be spooled", extra={"spool_error": repr(error), "where": where})
        return False
    return True


def pending() -> bool:
    try:
        return spool_path().stat().st_size > 0
    except OSError:
        return False


def drain() -> Outage | None:
    """Reports what the spool holds (if anything) and empties it; the lines come back on failure."""
    taken = _take()
    if taken is None:
        return None
    lines = taken.read_text(encoding="utf-8").splitlines()
    outage = summarise(lines)
    if outage is None or _report(outage):
        taken.unlink(missing_ok=True)
        return outage
    _give_back(taken, lines)
    return None


def _take() -> Path | None:
    path = spool_path()
    taken = path.with_name(f"{SPOOL_NAME}.{os.getpid()}.draining")
    try:
        os.replace(path, taken)
    except FileNotFoundError:
        return None
    return taken


def summarise(lines) -> Outage | None:
    rows = [json.loads(line) for line in lines if line.strip()]
    if not rows:
        return None
    moments = sorted(datetime.fromisoformat(row["at"]) for row in rows)
    places = {}
    for row in rows:
        places[row["where"]] = places.get(row["where"], 0) + 1
    return Outage(len(rows), moments[0], moments[-1], places, rows[-1].get("error", ""))


def _report(outage) -> bool:
    from apps.core.signals import database_recovered

    results = database_recovered.send_robust(sender=None, outage=outage)
    return all(result is not False and not isinstance(result, Exception) for _, result in results)


def _give_back(taken, lines):
    with open(spool_path(), "a", encoding="utf-8") as spool:
        spool.write("".join(line + "\n" for line in lines))
    taken.unlink(missing_ok=True)


def on_task_failure(sender=None, exception=None, **kwargs):
    record(exception, f"task {getattr(sender, 'name', sender)}")


def connect_signals():
    from celery.signals import task_failure

    task_failure.connect(on_task_failure, dispatch_uid="core.db_outages.task_failure", weak=False)
