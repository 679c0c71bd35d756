"""The real restore (`manage.py restore`, runbook "Database lost"): a stored backup put back over the
app's database, as its owner. It needs only the storage and the key, not the lost database: the
manifest beside the file says what it is. It refuses a database that has tables unless forced, and
checks the file's SHA-256 and opens it before it touches anything."""

import tempfile
from pathlib import Path

from django.db import connection

from apps.backups import artifacts, checks, database, restore
from apps.backups.services.backup import encryption_key
from apps.events import audit


class RestoreRefused(Exception):
    pass


def resolve(name) -> str:
    """A stored file name, or `latest` for the newest one in the storage."""
    if name != "latest":
        return name
    names = artifacts.stored_names()
    if not names:
        raise RestoreRefused("the backup storage holds no backup (looked for opsdesk-* files)")
    return names[0]


def restore_backup(name="latest", *, force=False, say=None) -> dict:
    say = say or (lambda line: None)
    name = resolve(name)
    say(f"1/7 Reading the manifest of {name}")
    manifest = artifacts.read_manifest(name)
    target = database.current()
    say(f"2/7 Checking the target: the {target.label}")
    overwrite = _refuse_unless_safe(manifest, target, force)
    with tempfile.TemporaryDirectory(prefix="opsdesk-restore-") as work:
        local = Path(work) / "fetched"
        say(f"3/7 Fetching {name} ({manifest.get('size_bytes', 0):,} bytes)")
        artifacts.fetch(name, local)
        say(f"4/7 Verifying SHA-256 {artifacts.verify(local, manifest['sha256'])}: matches the manifest")
        say("5/7 Decrypting and unpacking" if manifest.get("encrypted") else "5/7 Unpacking (not encrypted)")
        opened = artifacts.unseal(local, manifest, work, encryption_key())
        say("6/7 Restoring" + (" over the existing tables (--force)" if overwrite else " into the empty database"))
        _put_back(target, opened, overwrite)
    return _confirm(name, manifest, target, force, say)


def _refuse_unless_safe(manifest, target, force) -> bool:
    """Whether the target has tables (to be overwritten); refuses a mismatch, or tables without force."""
    if manifest.get("vendor") != target.vendor:
        raise RestoreRefused(f"the backup is of {manifest.get('vendor')}, the database is {target.vendor}")
    found = restore.contents(target)
    if found["tables"] and not force:
        rows = ", ".join(f"{table} {count:,} rows" for table, count in found.items() if table != "tables")
        raise RestoreRefused(
            f"the database is not empty ({found['tables']} tables; {rows or 'no key table'}); "
            "restore into an empty database, or pass --force to overwrite it"
        )
    return bool(found["tables"])


def _put_back(target, opened, overwrite):
    connection.close()  # this process's own connection must not hold the database
    if target.vendor == "sqlite":
        restore.sqlite_copy(opened, target.name)
    else:
        restore.pg_restore(target, opened, clean=overwrite)


def _confirm(name, manifest, target, force, say) -> dict:
    restored = restore.read_facts(target)
    verdict = checks.row_counts(manifest.get("row_counts", {}), restored["row_counts"])
    say(f"7/7 Row counts: {'ok' if verdict.ok else 'DIFFERENT'}: {verdict.detail}")
    audit.record(
        "backups.restored",
        actor_label="manage.py restore",
        reason="forced over a non-empty database" if force else "",
        after={
            "file": name,
            "sha256": manifest.get("sha256"),
            "created_at": manifest.get("created_at"),
            "ok": verdict.ok,
        },
    )
    return {"file": name, "counts_ok": verdict.ok, "detail": verdict.detail, "database": target.label}
