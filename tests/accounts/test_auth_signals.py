"""Authentication as numbers and a check: failed logins and lockouts are Error Center events the
alert rules count, and a synthetic login of a dedicated probe user through the real login path
tells whether authentication works — failing it is AUTH_PROBE_FAILED and a sev1 through its monitor."""

import importlib

import pytest
from django.apps import apps as django_apps

from apps.accounts import auth_probe
from apps.events.alert_models import AlertRule
from apps.events.models import AuditEvent, SystemEvent
from apps.health import checks, services
from apps.health.models import HealthMonitor

pytestmark = pytest.mark.django_db


def test_a_failed_login_and_a_lockout_are_events(client, people):
    for _ in range(5):
        client.post("/login/", {"username": people.owner.username, "password": "wrong-password"})

    assert SystemEvent.objects.filter(code="AUTH_LOGIN_FAILED").count() == 5
    locked = SystemEvent.objects.get(code="AUTH_LOCKED_OUT")
    assert locked.meta["username"] == people.owner.username


def test_the_probe_logs_in_reads_its_session_and_logs_out():
    result = checks.run("auth_login")

    assert result.status == "pass" and "logged in, read /auth/me with the session and logged out" in result.detail
    user = auth_probe.ensure_probe_user()
    assert not (user.is_staff or user.is_superuser) and not user.memberships.exists()
    assert not AuditEvent.objects.filter(action="auth.login").exists()


def test_a_changed_probe_password_is_put_back_and_audited():
    user = auth_probe.ensure_probe_user()
    user.set_password("someone-changed-it")
    user.save()

    assert checks.run("auth_login").status == "pass"
    assert AuditEvent.objects.filter(action="auth.probe_user_reset").count() == 2


def test_broken_authentication_fails_the_probe_at_the_login_step(settings):
    settings.AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend"]

    result = checks.run("auth_login")

    assert result.status == "fail" and result.detail.startswith("authentication is down at the login step")
    assert SystemEvent.objects.get(code="AUTH_PROBE_FAILED").meta == {"step": "login"}


def test_the_auth_monitor_goes_down_and_opens_a_sev1(settings):
    settings.HEALTH_FAILURE_THRESHOLD = 2
    settings.AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend"]
    services.sync_monitors()
    monitor = HealthMonitor.objects.get(key="auth")

    services.run_monitor(monitor)
    outcome = services.run_monitor(monitor)

    assert outcome.monitor.state == "down" and outcome.incident.severity == "sev1"


def test_alert_rules_watch_failed_logins_and_the_probe():
    importlib.import_module("apps.events.migrations.0012_seed_database_and_auth_alert_rules").seed(django_apps, None)
    names = set(AlertRule.objects.values_list("name", flat=True))

    assert {"Auth: failed-login spike", "Auth: authentication down (synthetic login)"} <= names
