"""Taking the dump itself, into a local file, with the facts the manifest records about it.

PostgreSQL: the owner opens a REPEATABLE READ transaction, exports its snapshot, counts rows in it,
and pg_dump -Fc (compressed) dumps that very snapshot, so the manifest's counts are exactly what
the dump holds even while the app keeps writing. The counts run with `row_security = off` like
pg_dump: an owner that row-level security would filter makes both fail loudly.
SQLite: the online backup API copies a consistent image of the live file; the copy is counted, then
gzip-compressed."""

import gzip
import shutil
import sqlite3
from pathlib import Path

from apps.backups import database, facts

PG_DUMP = "pg_dump"


def take(target, path) -> dict:
    """Writes the dump of `target` to `path`; returns the facts and how it was made."""
    if target.vendor == "sqlite":
        return _sqlite(target, path)
    return _postgresql(target, path)


def _postgresql(target, path) -> dict:
    import psycopg

    conn = database.connect(target, autocommit=False)
    try:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.cursor() as cursor:
            cursor.execute("SET LOCAL row_security = off")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            found = facts.read(cursor, "postgresql")
            database.run_tool(_pg_dump_args(target, snapshot, path), target)
    except psycopg.Error as exc:
        raise database.CommandFailed(f"reading the database as its owner failed: {exc}".strip()) from None
    finally:
        conn.close()
    return {**found, "format": "pg_dump -Fc (custom format, zlib-compressed)"}


def _pg_dump_args(target, snapshot, path) -> list[str]:
    return [
        PG_DUMP,
        "--format=custom",
        "--compress=6",
        f"--snapshot={snapshot}",
        "--no-password",
        "--file",
        str(path),
        *database.pg_args(target),
    ]


def _sqlite(target, path) -> dict:
    image = f"{path}.image"
    source, copy = sqlite3.connect(target.name, timeout=30), sqlite3.connect(image)
    try:
        source.backup(copy)
        found = facts.read(copy.cursor(), "sqlite")
    finally:
        source.close()
        copy.close()
    with open(image, "rb") as raw, gzip.open(path, "wb", compresslevel=6) as packed:
        shutil.copyfileobj(raw, packed, 1024 * 1024)
    Path(image).unlink()
    return {**found, "format": "SQLite online backup, gzip-compressed"}
