"""Emergency maintenance is announced an hour ahead (MAINTENANCE_NOTICE_MINUTES): a one-off window
that starts sooner needs a reason, which is audited; tenants see platform windows on every portal
page; and migrations run only inside an open platform-wide window unless forced with a reason."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from apps.core.errors import ServiceError
from apps.events.models import AuditEvent
from apps.health import maintenance
from apps.health.models import MaintenanceWindow
from tests.health.factories import one_off_window

pytestmark = pytest.mark.django_db


def window_in(minutes, **fields):
    start = timezone.now() + timedelta(minutes=minutes)
    return MaintenanceWindow(
        title="Emergency database patch", starts_at=start, ends_at=start + timedelta(hours=1), **fields
    )


def test_a_window_starting_in_twenty_minutes_is_refused_without_a_reason():
    with pytest.raises(ServiceError, match="announced at least 60 minutes ahead"):
        maintenance.save_window(window_in(20))

    assert not MaintenanceWindow.objects.exists()


def test_a_short_notice_window_with_a_reason_is_saved_and_the_reason_audited():
    maintenance.save_window(window_in(20), short_notice_reason="security patch for CVE-2026-1234")

    assert AuditEvent.objects.get(action="maintenance.created").after["short_notice_reason"] == (
        "security patch for CVE-2026-1234"
    )


def test_a_window_two_hours_ahead_needs_no_reason():
    maintenance.save_window(window_in(120))

    assert "short_notice_reason" not in AuditEvent.objects.get(action="maintenance.created").after


def test_the_admin_refuses_a_short_notice_window_and_asks_for_a_reason(admin_client):
    start = timezone.now() + timedelta(minutes=10)
    form = {
        "title": "Emergency",
        "recurrence": "one_off",
        "starts_at_0": f"{start:%Y-%m-%d}",
        "starts_at_1": f"{start:%H:%M:%S}",
        "ends_at_0": f"{start + timedelta(hours=1):%Y-%m-%d}",
        "ends_at_1": f"{start + timedelta(hours=1):%H:%M:%S}",
        "enabled": "on",
    }
    url = reverse("admin:health_maintenancewindow_add")

    refused = admin_client.post(url, form)
    admin_client.post(url, {**form, "short_notice_reason": "disk filling up"})

    assert refused.status_code == 200 and "announced at least 60 minutes ahead" in refused.content.decode()
    assert MaintenanceWindow.objects.get().title == "Emergency"


def test_tenants_see_a_planned_platform_window_on_their_portal_pages(owner_client):
    maintenance.save_window(window_in(90, public_note="Messages are queued meanwhile."))

    page = owner_client.get(reverse("portal:dashboard")).content.decode()

    assert "Planned maintenance: Emergency database patch" in page and "Messages are queued meanwhile." in page


def test_migrations_outside_a_window_are_refused_and_name_the_next_one():
    maintenance.save_window(window_in(180))

    with pytest.raises(CommandError, match="No platform-wide maintenance window is open now. The next is"):
        call_command("migrate_in_window", "--check")


def test_forcing_a_migration_needs_a_reason_and_is_audited():
    with pytest.raises(CommandError, match="--force needs --reason"):
        call_command("migrate_in_window", "--force")

    call_command("migrate_in_window", "--force", "--reason", "hotfix for a failed deploy", "--check")

    assert AuditEvent.objects.get(action="maintenance.migrated_outside_window").reason == "hotfix for a failed deploy"


def test_migrations_run_inside_an_open_window():
    one_off_window(timezone.now() - timedelta(minutes=5), timezone.now() + timedelta(minutes=55))

    call_command("migrate_in_window", "--check")

    assert AuditEvent.objects.filter(action="maintenance.migrated_in_window").exists()
