"""Web and worker processes share their values through files in PROMETHEUS_MULTIPROC_DIR: each
process writes its own file named after its group ("web", "worker.<node>"), one scrape merges
them, each series labelled with its group, and a group restarting wipes only its own files."""

import os
import subprocess
import sys

import pytest

from apps.core import metrics_processes
from tests.observability.scrape import scrape

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WRITER = """
from apps.core import metrics_prometheus as prom
prom.inc(prom.WEBHOOK_DELIVERIES, provider="pms", outcome="stored", reason="new")
prom.observe(prom.TASK_DURATION, 0.2, task="demo", state="success")
"""


def write_from_a_process(directory, role):
    env = {**os.environ, "PYTHONPATH": ROOT, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    env[metrics_processes.ROLE_VAR] = role
    subprocess.run([sys.executable, "-c", WRITER], cwd=ROOT, env=env, check=True, timeout=60)


@pytest.fixture
def shared_dir(tmp_path, monkeypatch):
    """This process scrapes as a web process would: reading the files of every group."""
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    monkeypatch.setenv(metrics_processes.ROLE_VAR, "web")
    return tmp_path


@pytest.mark.django_db
def test_one_scrape_sums_the_processes_of_a_group_and_keeps_groups_apart(client, shared_dir):
    write_from_a_process(shared_dir, "web")
    write_from_a_process(shared_dir, "web")
    write_from_a_process(shared_dir, "worker.celery@host")
    page = scrape(client)
    labels = {"provider": "pms", "outcome": "stored", "reason": "new"}
    assert page.value("opsdesk_webhook_deliveries_total", process="web", **labels) == 2
    assert page.value("opsdesk_webhook_deliveries_total", process="worker.celery@host", **labels) == 1
    assert page.value("opsdesk_celery_task_duration_seconds_count", process="web", task="demo") == 2
    assert page.value("opsdesk_celery_task_duration_seconds_bucket", process="web", task="demo", le="0.25") == 2
    assert page.value("opsdesk_celery_task_duration_seconds_bucket", process="web", task="demo", le="0.1") == 0
    names = [family.name for family in page.families.values()]
    assert len(names) == len(set(names))


def test_a_group_starting_wipes_its_old_files_and_no_one_elses(shared_dir, monkeypatch):
    write_from_a_process(shared_dir, "web")
    write_from_a_process(shared_dir, "worker.celery@host")
    metrics_processes.become("web")
    left = {os.path.basename(path) for path in shared_dir.iterdir()}
    assert left and all(name.endswith("-worker.celery@host.db") for name in left)


def test_a_dead_process_loses_its_live_gauges_only(shared_dir):
    (shared_dir / "gauge_livesum_4242-web.db").write_bytes(b"")
    (shared_dir / "counter_4242-web.db").write_bytes(b"")
    metrics_processes.process_dead(4242, shared_dir)
    assert [path.name for path in shared_dir.iterdir()] == ["counter_4242-web.db"]


def test_a_process_without_a_group_keeps_its_values_in_memory(tmp_path):
    env = {**os.environ, "PYTHONPATH": ROOT, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    env.pop(metrics_processes.ROLE_VAR, None)
    subprocess.run([sys.executable, "-c", WRITER], cwd=ROOT, env=env, check=True, timeout=60)
    assert list(tmp_path.iterdir()) == []


def test_group_names_are_safe_in_file_names():
    assert metrics_processes.clean_role("worker_one/../x y") == "worker-one-..-x-y"
