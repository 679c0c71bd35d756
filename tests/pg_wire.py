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
