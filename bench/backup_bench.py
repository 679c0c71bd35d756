"""Backup and restore benchmark on the Error Center benchmark's database (1,000,000 events over 50
tenants and 30 days, built by bench/events_bench.py's generator), on PostgreSQL.

Run:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/opsdesk_bench_backup .venv/bin/python bench/backup_bench.py
Options: --events N (default 1,000,000; built once, reused while the count matches), --encrypt
(also time an encrypted backup and its drill), --rounds N (default 1).

Same run, same machine, as ratios:
  - `manage.py backup`'s service (pg_dump -Fc inside an exported snapshot + counts + SHA-256 +
    copy to the storage + manifest) against `pg_dump -Fc -f` run by hand;
  - the restore drill's restore (CREATE DATABASE + pg_restore) and its whole run (fetch, checksum,
    restore, checks, drop) against `createdb` + `pg_restore` run by hand;
  - the projected RTO for 10x the data: the drill's total time scaled linearly by size (dump and
    restore stream the data; index builds grow a little faster than linearly, so the figure is
    given with the measured restore throughput it comes from).
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.backups import crypto, database, restore, services  # noqa: E402
from apps.events.models import SystemEvent  # noqa: E402


def build(events):
    from bench import events_bench

    call_command("migrate", verbosity=0)
    if SystemEvent.objects.count() == events:
        return
    SystemEvent.objects.all().delete()
    print(f"Generating {events:,} events (events_bench.generate)…", flush=True)
    started = time.perf_counter()
    events_bench.generate(events_bench.ensure_tenants(), events, timezone.now())
    print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)


def by_hand(target, work) -> dict:
    """pg_dump -Fc and createdb + pg_restore, as an operator would type them."""
    dump = Path(work) / "by-hand.pgdump"
    started = time.perf_counter()
    database.run_tool(
        ["pg_dump", "--format=custom", "--no-password", "--file", str(dump), *database.pg_args(target)], target
    )
    dumped = time.perf_counter() - started
    scratch = target.named(f"{target.name[:40]}_byhand")
    restore.drop_database(target, scratch.name)
    started = time.perf_counter()
    restore.create_database(target, scratch.name)
    database.run_tool(
        ["pg_restore", "--no-owner", "--exit-on-error", "--no-password", *database.pg_args(scratch), str(dump)], scratch
    )
    restored = time.perf_counter() - started
    restore.drop_database(target, scratch.name)
    return {"dump": dumped, "restore": restored, "size": dump.stat().st_size}


def ours(work) -> dict:
    settings.STORAGES["backups"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(Path(work) / "storage")},
    }
    from django.core.files.storage import storages

    storages._storages.pop("backups", None)
    started = time.perf_counter()
    backup = services.run_backup(trigger="bench")
    took = time.perf_counter() - started
    if backup.status != backup.Status.SUCCEEDED:
        sys.exit(f"backup failed: {backup.error}")
    drill = services.run_drill(backup=backup, trigger="bench")
    if drill.status != drill.Status.PASSED:
        sys.exit(f"drill failed at {drill.failed_check}: {drill.error}")
    return {"backup": took, "restore": drill.restore_seconds, "drill": drill.total_seconds, "size": backup.size_bytes}


def report(label, mine, hand):
    print(
        f"{label}: backup {mine['backup']:.1f} s vs pg_dump {hand['dump']:.1f} s = "
        f"{mine['backup'] / hand['dump']:.2f}x; "
        f"drill restore {mine['restore']:.1f} s vs createdb+pg_restore {hand['restore']:.1f} s = "
        f"{mine['restore'] / hand['restore']:.2f}x; whole drill {mine['drill']:.1f} s; "
        f"file {mine['size'] / 1e6:.1f} MB (by hand {hand['size'] / 1e6:.1f} MB)"
    )
    per_mb = mine["drill"] / (mine["size"] / 1e6)
    print(
        f"  projected RTO at 10x: {10 * mine['drill'] / 60:.1f} min (drill {per_mb:.2f} s per dump MB x "
        f"{10 * mine['size'] / 1e6:.0f} MB), restore alone {10 * mine['restore'] / 60:.1f} min"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--encrypt", action="store_true")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--build-only", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this on PostgreSQL: set DATABASE_URL (see the docstring).")
    build(args.events)
    if args.build_only:
        return
    target = database.current()
    size = connection.cursor()
    size.execute("SELECT pg_database_size(current_database())")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
    print(f"database {target.name}: {SystemEvent.objects.count():,} events, {size.fetchone()[0] / 1e6:.0f} MB on disk")
    connection.close()
    for round_number in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="backup-bench-") as work:
            hand = by_hand(target, work)
            settings.BACKUP_ENCRYPTION_KEY = ""
            report(f"round {round_number + 1}, not encrypted", ours(work), hand)
            if args.encrypt:
                settings.BACKUP_ENCRYPTION_KEY = crypto.new_key()
                report(f"round {round_number + 1}, encrypted", ours(work), hand)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
