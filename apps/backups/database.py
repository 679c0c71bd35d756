"""Where a backup is taken from and restored into, and how to reach it as the database's owner.

On PostgreSQL the app runs as a role that owns nothing and that row-level security filters; a
dump as that role would silently miss rows. Backups therefore connect as the owner
(DATABASE_OWNER_URL, else DATABASE_URL: `settings.BACKUP_DATABASE_URL`) to the database the app
uses, and pg_dump keeps its default `row_security = off`, so that a table the owner could only
partly see makes the dump fail instead of being dumped partially."""

import os
import sqlite3
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

import environ
from django.conf import settings
from django.db import connection


class CommandFailed(Exception):
    """pg_dump, pg_restore or a statement failed; the message carries its own words."""


@dataclass(frozen=True)
class Target:
    vendor: str
    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""

    @property
    def label(self) -> str:
        if self.vendor == "sqlite":
            return f"SQLite file {self.name}"
        return f"PostgreSQL database {self.name} on {self.host or 'localhost'}:{self.port or 5432} as {self.user}"

    def named(self, name) -> "Target":
        return replace(self, name=name)


def current() -> Target:
    """The app's database, reached with the owner's credentials (on SQLite: its file)."""
    app = connection.settings_dict
    if connection.vendor == "sqlite":
        return Target("sqlite", str(app["NAME"]))
    if connection.vendor != "postgresql":
        raise CommandFailed(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")
    owner = environ.Env.db_url_config(settings.BACKUP_DATABASE_URL) if settings.BACKUP_DATABASE_URL else app
    return Target(
        "postgresql",
        str(app["NAME"]),
        host=str(owner.get("HOST") or app.get("HOST") or ""),
        port=str(owner.get("PORT") or app.get("PORT") or ""),
        user=str(owner.get("USER") or ""),
        password=str(owner.get("PASSWORD") or ""),
    )


def connect(target: Target, **options):
    """A DB-API connection: psycopg for PostgreSQL (autocommit unless told), sqlite3 for a file."""
    if target.vendor == "sqlite":
        return sqlite3.connect(target.name, timeout=30)
    import psycopg

    return psycopg.connect(
        dbname=target.name,
        host=target.host or None,
        port=target.port or None,
        user=target.user or None,
        password=target.password or None,
        **({"autocommit": True} | options),
    )


def pg_env(target: Target) -> dict:
    """The tools' environment: the password travels here, never on a command line (`ps` shows those)."""
    extra = {"PGPASSWORD": target.password} if target.password else {}
    return {**os.environ, "PGCONNECT_TIMEOUT": "10", **extra}


def pg_args(target: Target) -> list[str]:
    args = ["--dbname", target.name, "--username", target.user] if target.user else ["--dbname", target.name]
    if target.host:
        args += ["--host", target.host]
    return args + (["--port", target.port] if target.port else [])


def run_tool(args, target: Target):
    """Runs pg_dump/pg_restore; a non-zero exit raises CommandFailed with the tool's last words."""
    try:
        done = subprocess.run(args, env=pg_env(target), capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise CommandFailed(f"{args[0]} is not installed on this machine (PostgreSQL client tools).") from None
    if done.returncode != 0:
        words = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise CommandFailed(f"{Path(args[0]).name} exited with {done.returncode}: " + " | ".join(words))
    return done


def quote_ident(name) -> str:
    return '"' + name.replace('"', '""') + '"'
