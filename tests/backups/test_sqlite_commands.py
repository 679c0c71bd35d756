"""The embedded default (`make run`: SQLite, filesystem broker): the three commands, run as an
operator would, against a database file of this test's own."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent.parent


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("embedded")
    inherited = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DATABASE_OWNER_URL", "CELERY_BROKER_URL")
    }
    env = {
        **inherited,
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "BACKUP_DIR": str(folder / "backups"),
    }

    def manage(*args, **extra):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=300,
            env={**env, **extra},
        )

    assert manage("migrate", "--noinput", "-v0").returncode == 0
    manage.folder = folder
    return manage


def test_backup_drill_and_restore_on_sqlite(embedded):
    backup = embedded("backup")
    assert backup.returncode == 0, backup.stderr
    assert "Dumping the SQLite file" in backup.stdout and "Backup #1 done" in backup.stdout
    names = sorted(path.name for path in (embedded.folder / "backups").iterdir())
    assert len(names) == 2 and names[0].endswith(".sqlite3.gz") and names[1].endswith(".manifest.json")
    manifest = json.loads((embedded.folder / "backups" / names[1]).read_text())
    assert (
        manifest["vendor"] == "sqlite"
        and manifest["server"].startswith("SQLite")
        and manifest["rls_forced_tables"] is None
    )

    drill = embedded("restore_drill")
    assert drill.returncode == 0, drill.stderr
    assert "ok   checksum" in drill.stdout and "ok   rls: skipped" in drill.stdout and "passed" in drill.stdout

    refused = embedded("restore", "latest")
    assert refused.returncode != 0 and "not empty" in refused.stderr and "--force" in refused.stderr

    forced = embedded("restore", "latest", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "4/7 Verifying SHA-256" in forced.stdout and "7/7 Row counts: ok" in forced.stdout


def test_an_encrypted_sqlite_backup_needs_its_key_to_restore(embedded):
    key = "q1fQx0cH1Yk8wz5mXwU0Xb4y5k8mJ3Xo8rS7fB6nJ0c="
    assert embedded("backup", BACKUP_ENCRYPTION_KEY=key).returncode == 0
    assert embedded("restore_drill", BACKUP_ENCRYPTION_KEY=key).returncode == 0
    without = embedded("restore", "latest", "--force")
    assert without.returncode != 0 and "BACKUP_ENCRYPTION_KEY is not set" in without.stderr
