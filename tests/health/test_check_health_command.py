"""`manage.py check_health`: runs the monitors once, prints a table, writes a JSON artifact and
exits non-zero when one fails — what cron and CI call."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.health.models import MonitorResult
from tests.health.factories import connection_to

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_redis_monitor(settings):
    settings.CELERY_BROKER_URL = "filesystem://"


def check_health(*args):
    out = StringIO()
    call_command("check_health", *args, stdout=out)
    return out.getvalue()


def test_all_healthy_prints_the_table_writes_the_artifact_and_succeeds(chatwoot_connection, tmp_path):
    path = tmp_path / "health.json"

    out = check_health("--json", str(path))

    assert out.splitlines()[0].split()[:5] == ["monitor", "kind", "status", "latency_ms", "state"]
    assert "PostgreSQL database" in out and "Chatwoot: chatwoot of alpha (alpha)" in out
    artifact = json.loads(path.read_text())
    assert f"All {len(artifact['monitors'])} monitor(s) healthy." in out  # the AI provider passes on the mock
    assert artifact["ok"] is True and artifact["failing"] == []
    assert {row["key"] for row in artifact["monitors"]} >= {
        "database",
        "workers",
        "ai_provider",
        "backups",  # a fresh install is not overdue
        f"connection:{chatwoot_connection.pk}",
    }
    assert all(row["latency_ms"] is not None for row in artifact["monitors"])


def test_a_failing_monitor_exits_non_zero_and_the_artifact_says_which(chatwoot_connection, chatwoot, tmp_path):
    chatwoot.down()
    path = tmp_path / "health.json"

    with pytest.raises(CommandError, match=r"1 of \d+ monitor\(s\) failing: connection:"):
        check_health("--json", str(path))

    artifact = json.loads(path.read_text())
    assert artifact["ok"] is False and artifact["failing"] == [f"connection:{chatwoot_connection.pk}"]
    failing = next(row for row in artifact["monitors"] if not row["ok"])
    assert "HTTP 500" in failing["detail"] and failing["state"] == "failing"


def test_only_runs_the_named_monitor(chatwoot_connection, chatwoot):
    chatwoot.down()

    out = check_health("--only", "database")

    assert "PostgreSQL database" in out and "chatwoot" not in out.lower()
    assert MonitorResult.objects.get().monitor.key == "database"


def test_only_accepts_a_check_name_or_kind(tenant, chatwoot):
    connection_to(chatwoot, tenant, "chatwoot")

    assert "Chatwoot" in check_health("--only", "connection_chatwoot")
    assert "Chatwoot" in check_health("--only", "connection")


def test_only_with_an_unknown_name_says_what_is_known(db):
    with pytest.raises(CommandError, match=r"No enabled monitor matches 'nope'; known: .*database"):
        check_health("--only", "nope")


def test_the_command_exits_with_status_one_from_the_shell(chatwoot_connection, chatwoot, tmp_path):
    """What cron sees: the process's exit status."""
    from django.core.management import ManagementUtility

    chatwoot.down()
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "check_health", "--json", str(tmp_path / "h.json")]).execute()

    assert exited.value.code == 1


def test_with_the_database_down_it_still_prints_writes_the_artifact_and_fails(tmp_path, unused_port):
    """The database itself unreachable: nothing can be recorded, but cron still gets its answer."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    path = tmp_path / "health.json"
    env = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{unused_port}/nowhere"}
    done = subprocess.run(
        [sys.executable, "manage.py", "check_health", "--json", str(path)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 1
    assert "PostgreSQL database" in done.stdout and "1 of 1 monitor(s) failing: database" in done.stderr
    artifact = json.loads(path.read_text())
    assert artifact["failing"] == ["database"] and "OperationalError" in artifact["monitors"][0]["detail"]
