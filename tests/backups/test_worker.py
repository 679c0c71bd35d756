"""'Run a backup now' and 'Run a restore drill now' across a real Celery worker (on a Redis of the
test's own): the page's request queues the job, the worker takes the backup as the owner and then
drills it, and the rows the Jobs page reads appear."""

import pytest

from apps.backups.models import Backup, BackupDrill
from apps.jobs import services as jobs
from apps.jobs.models import WorkerRun
from tests.factories import TenantFactory
from tests.integrations.services import OwnRedis, Worker, publishing_to, wait_until

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_on_own_redis(tmp_path):
    redis = OwnRedis().start()
    worker = Worker(redis.url, BACKUP_DIR=tmp_path / "backups", BACKUP_STORAGE="backups").start()
    yield redis.url, tmp_path / "backups"
    worker.stop()
    redis.stop()


def test_a_queued_backup_and_drill_run_on_the_worker(worker_on_own_redis):
    broker, folder = worker_on_own_redis
    TenantFactory()
    with publishing_to(broker):
        jobs.enqueue("backups.backup", trigger="page")
    wait_until(lambda: Backup.objects.filter(status=Backup.Status.SUCCEEDED).exists(), what="the backup")
    backup = Backup.objects.get()
    assert (folder / backup.file_name).exists() and backup.manifest["row_counts"]["tenants_tenant"] == 1

    with publishing_to(broker):
        jobs.enqueue("backups.restore_drill", trigger="page", params={"backup_id": backup.pk})
    wait_until(lambda: BackupDrill.objects.exclude(status=BackupDrill.Status.RUNNING).exists(), what="the drill")
    assert BackupDrill.objects.get().status == BackupDrill.Status.PASSED
    assert set(WorkerRun.objects.filter(name__startswith="backups.").values_list("name", "status")) == {
        ("backups.backup", "succeeded"),
        ("backups.restore_drill", "succeeded"),
    }
