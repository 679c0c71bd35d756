"""A fresh `make run` as a newcomer meets it: the demo is seeded against the local demo providers,
then beat's jobs run for 35 minutes. No incident is opened by the demo, nothing escalates, every
monitor is healthy and /status/ is green."""

import io
import logging
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.core import demo_providers
from apps.health import services as health
from apps.health import status
from apps.health.models import HealthMonitor
from apps.incidents import escalation
from apps.incidents.models import Incident, Notification
from apps.incidents.services import detection
from apps.integrations.models import Connection
from apps.tickets import sla

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_url(settings):
    server = demo_providers.make_server()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.DEMO_PROVIDERS_URL = f"http://127.0.0.1:{server.server_address[1]}"
    yield settings.DEMO_PROVIDERS_URL
    server.shutdown()
    server.server_close()


def _beat(start, minutes):
    for minute in range(minutes + 1):
        now = start + timedelta(minutes=minute)
        detection.detect_spikes(now=now)
        detection.evaluate_alert_rules(now=now)
        sla.mark_breaches(now=now)
        escalation.escalate_due(now=now)
        if minute % 5 == 0:
            health.run_monitors(now=now)


def test_half_an_hour_after_a_fresh_start_nothing_new_is_open_and_status_is_green(demo_url, client):
    call_command("seed_demo")
    seeded = set(Incident.objects.values_list("pk", flat=True))
    notifications = Notification.objects.count()

    _beat(timezone.now(), 35)

    assert list(Incident.objects.exclude(pk__in=seeded).values_list("title", flat=True)) == []
    assert Notification.objects.count() == notifications
    assert set(HealthMonitor.objects.values_list("state", flat=True)) == {HealthMonitor.State.HEALTHY}
    assert status.page()["overall"] == "operational"
    assert b"All systems operational" in client.get("/status/").content


def test_without_the_demo_providers_the_same_half_hour_opens_incidents(settings):
    """The quiet start is the demo providers' doing: with nothing listening, as before them, the
    connections' monitors open incidents and /status/ is no longer green for them."""
    settings.DEMO_PROVIDERS_URL = "http://127.0.0.1:9"
    call_command("seed_demo")
    seeded = Incident.objects.count()

    _beat(timezone.now(), 10)

    assert Incident.objects.count() > seeded
    assert HealthMonitor.objects.filter(state=HealthMonitor.State.DOWN).exists()


def test_the_demo_shows_incidents_in_several_states_and_only_one_open(demo_url):
    call_command("seed_demo")

    assert Incident.objects.count() >= 4
    assert len(set(Incident.objects.values_list("status", flat=True))) >= 3
    assert Incident.objects.open().count() == 1


def test_demo_connections_point_at_the_demo_providers_and_follow_them_when_they_move(demo_url, settings):
    call_command("seed_demo")
    urls = [
        connection.setting(key)
        for connection in Connection.objects.all()
        for key in ("base_url", "graph_base_url", "api_base_url")
        if connection.setting(key)
    ]
    assert len(urls) == Connection.objects.count() and all(url.startswith(demo_url) for url in urls)

    settings.DEMO_PROVIDERS_URL = "http://127.0.0.1:9999"
    call_command("seed_demo")
    assert Connection.objects.get(provider="pms").setting("base_url") == "http://127.0.0.1:9999/pms"

    real = Connection.objects.get(provider="chatwoot")
    real.settings["base_url"] = "https://chat.acme.example"
    real.save(update_fields=["settings"])
    call_command("seed_demo")
    assert Connection.objects.get(provider="chatwoot").setting("base_url") == "https://chat.acme.example"


def test_seeding_logs_nothing_below_a_warning_and_prints_the_webhooks_and_demo_secrets(
    demo_url, caplog, settings, tmp_path
):
    settings.META_APP_SECRET, settings.PUBLIC_BASE_URL = "demo-secret-123", "http://127.0.0.1:8311"
    settings.RUN_DIR = tmp_path
    (tmp_path / "demo.env").write_text("# demo\nMETA_APP_SECRET=demo-secret-123\n")
    out = io.StringIO()

    with caplog.at_level(logging.DEBUG):
        call_command("seed_demo", stdout=out)

    assert [record.getMessage() for record in caplog.records if record.levelno < logging.WARNING] == []
    text = out.getvalue()
    assert "http://127.0.0.1:8311/webhooks/meta/" in text and "META_APP_SECRET=demo-secret-123" in text
    assert f"http://127.0.0.1:8311/webhooks/waha/{Connection.objects.get(provider='waha').pk}/" in text


def test_a_meta_secret_of_the_operators_own_is_never_printed(demo_url, settings, tmp_path):
    settings.META_APP_SECRET, settings.RUN_DIR = "the-real-app-secret", tmp_path
    out = io.StringIO()

    call_command("seed_demo", stdout=out)

    assert "the-real-app-secret" not in out.getvalue() and "set by your configuration" in out.getvalue()
