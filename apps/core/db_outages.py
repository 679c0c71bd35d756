"""Database outages counted while the database is down and reported once it is back.

A connection error has nowhere to go while the database cannot be reached, so each one is
appended to a spool file (one JSON line; appends of a short line are atomic, so gunicorn and
Celery processes can share the file). `drain()` runs once the database answers again (a job every
minute and `/readyz`): it locks the file (`flock`) and takes it over by renaming it to a
`.draining` name of its own, sums it up and sends `database_recovered`, which the Error Center
turns into one `DATABASE_UNAVAILABLE` event. If that fails, the lines go back to the spool, so an
outage is never lost. A process that dies while draining leaves its `.draining` file behind, and
its lock dies with it: the next drain re-claims every `.draining` file that nobody locks and that
has sat for RECLAIM_AFTER_S, so a live drain's file is never read twice."""

import fcntl
import json
import logging
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.db import InterfaceError, OperationalError

logger = logging.getLogger("opsdesk.db")
SPOOL_NAME = "db-outages.jsonl"
DRAINING = ".draining"
RECLAIM_AFTER_S = 120
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
    """Reports what the spool and any orphaned `.draining` files hold, as one outage, and deletes
    them; on failure their lines go back to the spool."""
    claims = [claim for claim in (_claim_spool(), *_claim_orphans()) if claim is not None]
    try:
        lines = [line for claim in claims for line in claim.lines()]
        outage = summarise(lines)
        if outage is not None and not _report(outage):
            _give_back(lines)
            outage = None
        for claim in claims:
            claim.path.unlink(missing_ok=True)
        return outage
    finally:
        for claim in claims:
            claim.handle.close()


@dataclass
class Claim:
    """A spool file this drain owns: renamed to a `.draining` name of its own and held under an
    exclusive `flock` until it is deleted or handed back. The lock dies with the process, so a
    `.draining` file nobody locks was left by a drain that died."""

    path: Path
    handle: BinaryIO

    def lines(self) -> list[str]:
        self.handle.seek(0)
        return self.handle.read().decode("utf-8", errors="replace").splitlines()


def _claim_spool() -> Claim | None:
    return _claim(spool_path())


def _claim_orphans() -> list[Claim | None]:
    """`.draining` files whose drain died: unlocked, and untouched for RECLAIM_AFTER_S (a floor for
    drains that predate the lock, or a filesystem where flock does not reach other processes)."""
    directory = spool_path().parent
    found = directory.glob(f"{SPOOL_NAME}.*{DRAINING}") if directory.is_dir() else []
    return [_claim(path) for path in sorted(found) if _idle_for(path) >= RECLAIM_AFTER_S]


def _idle_for(path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def _claim(path) -> Claim | None:
    """Locks `path` (if it exists and no one holds it) and renames it to this drain's own name."""
    handle = _locked(path)
    if handle is None:
        return None
    taken = path.with_name(f"{SPOOL_NAME}.{os.getpid()}.{uuid.uuid4().hex[:8]}{DRAINING}")
    try:
        os.replace(path, taken)
        os.utime(taken)
    except OSError:
        handle.close()
        return None
    return Claim(taken, handle)


def _locked(path) -> BinaryIO | None:
    """`path` opened under an exclusive lock; None if it is gone, or held by a live drain, or was
    replaced by another file while we waited for its lock."""
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if os.stat(path).st_ino != os.fstat(handle.fileno()).st_ino:
            raise FileNotFoundError(path)
    except OSError:
        handle.close()
        return None
    return handle


def summarise(lines) -> Outage | None:
    rows = [row for row in map(_parse, lines) if row is not None]
    if not rows:
        return None
    moments = sorted(datetime.fromisoformat(row["at"]) for row in rows)
    places = {}
    for row in rows:
        places[row["where"]] = places.get(row["where"], 0) + 1
    return Outage(len(rows), moments[0], moments[-1], places, rows[-1].get("error", ""))


def _parse(line) -> dict | None:
    """One spooled line; a torn or foreign line (a full disk, an editor) is skipped, not fatal."""
    try:
        row = json.loads(line)
        datetime.fromisoformat(row["at"])
    except (ValueError, TypeError, KeyError):
        return None
    if not isinstance(row.get("where"), str):
        row["where"] = "?"
    return row


def _report(outage) -> bool:
    from apps.core.signals import database_recovered

    results = database_recovered.send_robust(sender=None, outage=outage)
    return all(result is not False and not isinstance(result, Exception) for _, result in results)


def _give_back(lines):
    with open(spool_path(), "a", encoding="utf-8") as spool:
        spool.write("".join(line + "\n" for line in lines))


def on_task_failure(sender=None, exception=None, **kwargs):
    record(exception, f"task {getattr(sender, 'name', sender)}")


def connect_signals():
    from celery.signals import task_failure

    task_failure.connect(on_task_failure, dispatch_uid="core.db_outages.task_failure", weak=False)
