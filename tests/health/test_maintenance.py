"""Maintenance windows: which moments they cover, and what they hold back — monitor incidents,
Error Center spikes and alert-rule incidents — with each hold recorded as a SuppressedAlert."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.errors import ServiceError
from apps.events.models import AuditEvent
from apps.health import maintenance, services
from apps.health.models import MaintenanceWindow, SuppressedAlert
from apps.incidents.models import Incident
from tests.health.factories import at, monitor_for, one_off_window, platform_monitor, weekly_window

pytestmark = pytest.mark.django_db
SUNDAY = 6


# --- which moments a window covers -------------------------------------------------------------------


def test_a_one_off_window_covers_its_start_but_not_its_end():
    window = one_off_window(at(0), at(60))

    assert [window.covers(at(m)) for m in (-1, 0, 59, 60)] == [False, True, True, False]


def test_a_weekly_window_covers_sundays_two_to_four_utc_every_week():
    window = weekly_window(SUNDAY, (2, 0), (4, 0))
    sunday = at(0).replace(hour=0) + timedelta(days=6)  # T0 is Monday 2026-11-23

    covered = [window.covers(sunday + timedelta(hours=h, weeks=w)) for w in (0, 1) for h in (1, 2, 3.99, 4)]

    assert covered == [False, True, True, False] * 2
    assert not window.covers(sunday - timedelta(days=1) + timedelta(hours=3))


def test_a_weekly_window_past_midnight_runs_into_the_next_day():
    window = weekly_window(SUNDAY, (23, 0), (1, 0))
    sunday_night = at(0).replace(hour=23) + timedelta(days=6)

    assert window.covers(sunday_night + timedelta(minutes=30))
    assert window.covers(sunday_night + timedelta(minutes=90))  # Monday 00:30
    assert not window.covers(sunday_night + timedelta(minutes=121))


def test_a_disabled_window_covers_nothing():
    window = one_off_window(at(0), at(60), enabled=False)

    assert not window.covers(at(10))
    assert maintenance.active_window(at=at(10)) is None


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"recurrence": "one_off", "starts_at": None, "ends_at": None}, "needs a start and an end"),
        ({"recurrence": "one_off", "starts_at": at(60), "ends_at": at(0)}, "The end must be after the start"),
        ({"recurrence": "weekly", "weekday": None}, "needs a weekday"),
    ],
)
def test_an_incomplete_window_is_refused_with_what_is_missing(fields, message):
    from datetime import time

    window = MaintenanceWindow(title="x", weekday=6, start_time=time(2), end_time=time(4))
    for key, value in fields.items():
        setattr(window, key, value)

    with pytest.raises(ServiceError, match=message):
        maintenance.save_window(window)
    assert not MaintenanceWindow.objects.exists()


def test_saving_and_deleting_a_window_is_audited(staff):
    window = one_off_window(at(0), at(60))
    maintenance.delete_window(window, actor=staff)

    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "maintenance.created",
        "maintenance.deleted",
    ]


def test_a_component_window_applies_to_that_component_only(chatwoot_connection):
    chatwoot = monitor_for(chatwoot_connection)
    database = platform_monitor("database")
    window = one_off_window(at(0), at(60), monitor=chatwoot)

    assert maintenance.active_window(chatwoot, at(10)) == window
    assert maintenance.active_window(chatwoot.key, at(10)) == window
    assert maintenance.active_window(database, at(10)) is None
    assert maintenance.active_window(None, at(10)) is None


def test_a_platform_wide_window_applies_to_every_component(chatwoot_connection):
    window = one_off_window(at(0), at(60))

    assert maintenance.active_window(monitor_for(chatwoot_connection), at(10)) == window
    assert maintenance.active_window(at=at(10)) == window


# --- monitors --------------------------------------------------------------------------------------------


def test_acceptance_during_a_window_a_failing_monitor_opens_no_incident_and_the_suppression_is_recorded(
    chatwoot_connection, chatwoot
):
    monitor = monitor_for(chatwoot_connection)
    window = one_off_window(at(-5), at(30), monitor=monitor, title="Chatwoot upgrade")
    chatwoot.down()

    outcomes = [services.run_monitor(monitor, now=at(minutes)) for minutes in (0, 5, 10)]

    assert not Incident.objects.exists()
    assert [o.incident for o in outcomes] == [None, None, None]
    assert outcomes[-1].monitor.state == "down"
    held = SuppressedAlert.objects.get()
    assert (held.window, held.window_title, held.source, held.monitor) == (
        window,
        "Chatwoot upgrade",
        "monitor",
        monitor,
    )
    assert (held.at, held.last_at, held.count) == (at(5), at(10), 2)
    assert held.dedup_key == monitor.dedup_key and "HTTP 500" in held.detail["detail"]


def test_after_the_window_the_still_failing_monitor_opens_its_incident(chatwoot_connection, chatwoot):
    monitor = monitor_for(chatwoot_connection)
    one_off_window(at(-5), at(8))
    chatwoot.down()

    outcomes = [services.run_monitor(monitor, now=at(minutes)) for minutes in (0, 5, 10)]

    assert outcomes[1].suppressed is not None and outcomes[1].incident is None
    assert outcomes[2].incident == Incident.objects.get()


def test_each_occurrence_of_a_weekly_window_records_its_own_suppression(chatwoot_connection, chatwoot):
    monitor = monitor_for(chatwoot_connection)
    weekly_window(0, (8, 0), (10, 0))  # Mondays; T0 is Monday 09:00
    chatwoot.down()

    for week in (0, 1):
        for minutes in (0, 5):
            services.run_monitor(monitor, now=at(minutes, weeks=week))

    assert list(SuppressedAlert.objects.order_by("at").values_list("count", flat=True)) == [1, 2]


# --- Error Center spikes and alert rules -------------------------------------------------------------------


def test_a_spike_inside_a_platform_wide_window_opens_no_incident_and_is_recorded():
    from apps.incidents.services import detection
    from tests.factories import SystemEventFactory, TenantFactory

    now = timezone.now().replace(microsecond=0)
    for tenant in TenantFactory.create_batch(3):
        SystemEventFactory.create_batch(
            12, tenant=tenant, code="META_SEND_FAIL", occurred_at=now - timedelta(minutes=3)
        )
    one_off_window(now - timedelta(minutes=30), now + timedelta(minutes=30))

    result = detection.detect_spikes(now=now)

    assert result["held"] == 1 and result["opened"] == 0
    assert not Incident.objects.exists()
    held = SuppressedAlert.objects.get()
    assert (held.source, held.dedup_key) == ("spike", "spike:META_SEND_FAIL")
    assert len(held.detail["tenants"]) == 3


def test_a_component_window_does_not_hold_error_center_spikes(chatwoot_connection):
    from apps.incidents.services import detection
    from tests.factories import SystemEventFactory, TenantFactory

    now = timezone.now().replace(microsecond=0)
    for tenant in TenantFactory.create_batch(3):
        SystemEventFactory.create_batch(
            12, tenant=tenant, code="META_SEND_FAIL", occurred_at=now - timedelta(minutes=3)
        )
    one_off_window(now - timedelta(minutes=30), now + timedelta(minutes=30), monitor=monitor_for(chatwoot_connection))

    assert detection.detect_spikes(now=now)["opened"] == 1


def test_an_alert_rule_going_critical_inside_a_platform_wide_window_opens_no_incident():
    from apps.events.alert_models import AlertRule
    from apps.events.models import SystemEvent
    from apps.incidents.services import detection
    from apps.integrations.models import InboundEvent
    from tests.integrations.factories import InboundEventFactory

    now = timezone.now().replace(microsecond=0)
    rule = AlertRule.objects.get(metric="dead_letters_per_hour")
    InboundEventFactory.create_batch(
        11, status=InboundEvent.Status.DEAD_LETTERED, dead_lettered_at=now - timedelta(minutes=5)
    )
    one_off_window(now - timedelta(minutes=30), now + timedelta(minutes=30))

    for seconds in range(0, 30 * rule.consecutive, 30):
        detection.evaluate_alert_rule(rule, now=now + timedelta(seconds=seconds))

    rule.refresh_from_db()
    assert rule.state == "critical"
    assert not Incident.objects.filter(dedup_key=f"alert:{rule.pk}").exists()
    assert SuppressedAlert.objects.get().source == "alert_rule"
    assert SystemEvent.objects.get(code="ALERT_RULE_TRANSITION", meta__to="critical").incident is None


def test_an_alert_rule_still_critical_when_the_window_ends_opens_its_incident_then():
    from apps.events.alert_models import AlertRule
    from apps.incidents.services import detection
    from apps.integrations.models import InboundEvent
    from tests.integrations.factories import InboundEventFactory

    now = timezone.now().replace(microsecond=0)
    rule = AlertRule.objects.get(metric="dead_letters_per_hour")
    InboundEventFactory.create_batch(
        11, status=InboundEvent.Status.DEAD_LETTERED, dead_lettered_at=now - timedelta(minutes=5)
    )
    one_off_window(now - timedelta(minutes=30), now + timedelta(minutes=2))
    for seconds in range(0, 30 * rule.consecutive, 30):
        detection.evaluate_alert_rule(rule, now=now + timedelta(seconds=seconds))
    assert not Incident.objects.filter(dedup_key=f"alert:{rule.pk}").exists()

    detection.evaluate_alert_rule(rule, now=now + timedelta(minutes=3))
    detection.evaluate_alert_rule(rule, now=now + timedelta(minutes=4))

    incident = Incident.objects.get(dedup_key=f"alert:{rule.pk}")
    assert incident.detection_method == "alert_rule" and incident.detected_at == now + timedelta(minutes=3)
