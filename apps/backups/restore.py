"""Putting a dump back: into a scratch database for the drill, or over the real one for a restore.
Everything connects as the owner (see apps.backups.database)."""

import sqlite3

from django.conf import settings

from apps.backups import database, facts
from apps.backups.database import quote_ident

PG_RESTORE = "pg_restore"


def create_database(server, name):
    """A fresh database on the source's server, owned by the owner (who needs CREATEDB)."""
    with database.connect(server) as conn:
        conn.execute(f"CREATE DATABASE {quote_ident(name)}")


def drop_database(server, name):
    """Drops the scratch database, closing whatever still holds it."""
    with database.connect(server) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {quote_ident(name)} WITH (FORCE)")


def database_exists(server, name) -> bool:
    with database.connect(server) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def pg_restore(target, dump_path, *, clean=False):
    """pg_restore into `target`: objects owned by whoever restores, stop at the first error."""
    args = [PG_RESTORE, "--no-owner", "--exit-on-error", "--no-password", f"--jobs={settings.BACKUP_RESTORE_JOBS}"]
    args += ["--clean", "--if-exists"] if clean else []
    database.run_tool([*args, *database.pg_args(target), str(dump_path)], target)


def sqlite_copy(source_file, target_file):
    """Copies one SQLite database over another with the online backup API (safe while it is open)."""
    source, target = sqlite3.connect(str(source_file)), sqlite3.connect(str(target_file), timeout=30)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def read_facts(target) -> dict:
    conn = database.connect(target)
    try:
        cursor = conn.cursor()
        if target.vendor == "postgresql":
            cursor.execute("SET row_security = off")
        return facts.read(cursor, target.vendor)
    finally:
        conn.close()


def contents(target) -> dict[str, int]:
    """How many tables the database has and how many rows its key tables hold (empty: no tables)."""
    conn = database.connect(target)
    try:
        cursor = conn.cursor()
        present = facts.tables(cursor, target.vendor)
        return {"tables": len(present), **facts.row_counts(cursor, present)}
    finally:
        conn.close()
