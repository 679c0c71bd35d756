"""What a Django connection sends to PostgreSQL, read from libpq's own protocol trace (PQtrace):
the round trips a piece of code really makes, including the statements Django's execute wrappers
never see (the row-security set_config, the per-request health check)."""

import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg
from django.db import connection


@dataclass
class Wire:
    lines: list = field(default_factory=list)

    @property
    def round_trips(self) -> int:
        """Each exchange ends with the server's ReadyForQuery."""
        return sum(1 for line in self.lines if line.startswith("B") and "\tReadyForQuery" in line)

    @property
    def queries(self) -> list[str]:
        return [
            line.split("\t", 3)[3].strip().strip('"')
            for line in self.lines
            if line.startswith("F") and "\tQuery\t" in line
        ]

    @property
    def statements(self) -> list[str]:
        """What was run, in order: each simple query's text, each parsed statement's text, and
        "prepared <name>" for a run of a statement prepared earlier (a Bind with no Parse before it)."""
        found, parsed = [], set()
        for line in self.lines:
            kind = line.split("\t", 3)[2] if line.startswith("F\t") and line.count("\t") >= 2 else ""
            rest = line.split("\t", 3)[3].strip() if kind and line.count("\t") >= 3 else ""
            if kind in ("Query", "Parse"):
                name, _, text = rest.partition(" ") if kind == "Parse" else ("", "", rest)
                parsed.add(name.strip('"'))
                found.append(text.strip().rsplit('"', 1)[0].lstrip('"') if kind == "Parse" else text.strip('"'))
            elif kind == "Bind":
                statement = rest.split(" ")[1].strip('"')
                if statement and statement not in parsed:
                    found.append(f"prepared {statement}")
        return found


@contextmanager
def traced():
    """Traces the default connection (opened first when needed) while the block runs."""
    connection.ensure_connection()
    pgconn = connection.connection.pgconn
    wire = Wire()
    with tempfile.TemporaryFile("w+") as trace:
        pgconn.trace(trace.fileno())
        pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS | psycopg.pq.Trace.REGRESS_MODE)
        try:
            yield wire
        finally:
            if pgconn.status == psycopg.pq.ConnStatus.OK:  # the block may have closed it
                pgconn.untrace()
            trace.seek(0)
            wire.lines = trace.read().splitlines()
