import pytest
from django.core.management import CommandError, call_command

from apps.accounts.models import ApiKey
from apps.events.models import AuditEvent
from apps.jobs.models import WorkerRun
from apps.tenants.models import Membership, Tenant, UsageCounter


def test_create_tenant_and_add_member(db, capsys):
    call_command("create_tenant", "hotel-x", "--name", "Hotel X", "--plan", "Pro")
    tenant = Tenant.objects.get(slug="hotel-x")
    assert tenant.plan.name == "Pro"
    call_command("add_member", "hotel-x", "Boss@Hotel.test", "--role", "owner", "--password", "s3cret-pass")
    membership = Membership.objects.get(tenant=tenant)
    assert membership.user.username == "boss@hotel.test" and membership.user.check_password("s3cret-pass")
    assert "new user" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args,message",
    [
        (["create_tenant", "Bad Slug", "--name", "x"], "Invalid slug"),
        (["create_tenant", "ok", "--name", "x", "--plan", "Platinum"], "Unknown plan"),
        (["add_member", "missing", "a@b.c", "--role", "owner"], "No tenant with slug"),
        (["create_api_key"], "Give either a tenant slug or --staff"),
        (["create_api_key", "--staff", "ghost"], "No user named"),
        (["run_job", "no.such.job"], "Unknown job"),
        (["run_job"], "Name a job"),
    ],
)
def test_commands_fail_clearly_on_bad_input(db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command(*args)


def test_duplicate_tenant_is_refused(db):
    call_command("create_tenant", "dup", "--name", "Dup")
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_tenant", "dup", "--name", "Dup")


def test_add_member_with_a_bad_role_exits_non_zero(db):
    call_command("create_tenant", "t1", "--name", "T1")
    with pytest.raises((CommandError, SystemExit)):
        call_command("add_member", "t1", "a@b.c", "--role", "emperor")


def test_run_job_records_a_worker_run_and_lists_jobs(db, capsys):
    call_command("run_job", "--list")
    assert "jobs.worker_heartbeat" in capsys.readouterr().out
    call_command("run_job", "jobs.worker_heartbeat")
    run = WorkerRun.objects.get(name="jobs.worker_heartbeat")
    assert run.status == "succeeded" and run.trigger == "manual" and run.finished_at


def test_beat_schedule_comes_from_the_job_registry():
    from apps.jobs.registry import all_jobs, beat_schedule
    from config.celery import app

    schedule = beat_schedule()
    assert set(schedule) == {job.name for job in all_jobs()}
    app.finalize()
    assert set(app.conf.beat_schedule) == set(schedule)


def test_seed_demo_is_idempotent(db, capsys):
    call_command("seed_demo")
    counts = [Model.objects.count() for Model in (Tenant, Membership, UsageCounter, AuditEvent, ApiKey)]
    out = capsys.readouterr().out
    assert "owner@acme.example" in out and "opsdesk-admin" in out
    call_command("seed_demo")
    assert [Model.objects.count() for Model in (Tenant, Membership, UsageCounter, AuditEvent, ApiKey)] == counts
    assert Tenant.objects.values("plan").distinct().count() == 3


def test_seeded_logins_work(client, db):
    call_command("seed_demo")
    client.post("/admin/login/?next=/admin/", {"username": "admin", "password": "opsdesk-admin"})
    assert client.get("/admin/").status_code == 200
    client.logout()
    response = client.post("/login/", {"username": "owner@coral.example", "password": "demo-coral-owner"}, follow=True)
    assert b"Coral Clinic" in response.content and b"Limit reached" in response.content


def test_staff_groups_exist_with_permissions(db):
    from django.contrib.auth.models import Group

    readonly = Group.objects.get(name="Read-only")
    codenames = set(readonly.permissions.values_list("codename", flat=True))
    assert "view_tenant" in codenames and not any(c.startswith("change_") for c in codenames)
    oncall = set(Group.objects.get(name="On-call engineer").permissions.values_list("codename", flat=True))
    assert "change_tenant" in oncall and "change_auditevent" not in oncall
    assert Group.objects.filter(name="Support agent").exists()
