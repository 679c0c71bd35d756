"""A connection that usually receives traffic and goes quiet for several times its usual gap is
reported once (META_WEBHOOK_TIMEOUT for Meta, INBOUND_SILENCE for others) and opens or joins an
incident with the WhatsApp inbound runbook; traffic resuming closes it on the timeline. Quiet
hours that are usually quiet (the night) are not a silence."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.events.models import SystemEvent
from apps.health import jobs, silence
from apps.health.models import InboundSilence
from apps.incidents.models import Incident
from apps.integrations.models import InboundEvent
from tests.integrations.factories import ConnectionFactory

MONDAY = datetime(2026, 11, 23, tzinfo=UTC)
RULES = silence.Rules(lookback_days=14, min_events=28, gap_multiple=4)


def busy_days(connection, *, until, first_hour=9, last_hour=20):
    """One inbound event an hour from first_hour to last_hour (UTC), every day of the two weeks before `until`."""
    start = (until - timedelta(days=14)).replace(hour=0, minute=0)
    times = [
        start + timedelta(days=day, hours=hour, minutes=5)
        for day in range(15)
        for hour in range(first_hour, last_hour + 1)
        if start + timedelta(days=day, hours=hour, minutes=5) <= until
    ]
    InboundEvent.objects.bulk_create(
        InboundEvent(
            connection=connection,
            tenant=connection.tenant,
            provider=connection.provider,
            external_id=f"evt-{at:%Y%m%d%H%M}",
            event_type="message",
            raw_body="{}",
            received_at=at,
            status=InboundEvent.Status.PROCESSED,
        )
        for at in times
    )


def one_more_event(connection, at):
    InboundEvent.objects.create(
        connection=connection,
        tenant=connection.tenant,
        provider=connection.provider,
        external_id=f"late-{at:%H%M}",
        event_type="message",
        raw_body="{}",
        received_at=at,
    )


def test_decide_weighs_the_quiet_hours_by_how_busy_they_usually_are():
    busy_hours = {day * 24 + hour: 2 for day in range(7) for hour in range(9, 21)}
    since = MONDAY - timedelta(days=14)
    traffic = silence.Traffic("c1", since, MONDAY.replace(hour=12, minute=5), busy_hours)

    assert not silence.decide(traffic, MONDAY.replace(hour=14), RULES).silent
    assert silence.decide(traffic, MONDAY.replace(hour=17), RULES).silent
    night = silence.Traffic("c1", since, MONDAY.replace(hour=20, minute=5), busy_hours)
    assert not silence.decide(night, MONDAY.replace(hour=20) + timedelta(hours=12), RULES).silent


def test_decide_ignores_a_connection_that_rarely_receives_anything():
    traffic = silence.Traffic("c1", MONDAY - timedelta(days=14), MONDAY - timedelta(days=5), {10: 3})
    assert silence.decide(traffic, MONDAY, RULES) == silence.Verdict(False, 0.0)


@pytest.mark.django_db
def test_meta_silence_is_reported_once_and_resolved_when_traffic_resumes(tenant):
    connection = ConnectionFactory(tenant=tenant, provider="meta", external_key="1065551234")
    busy_days(connection, until=MONDAY.replace(hour=12, minute=5))

    assert silence.check(MONDAY.replace(hour=13, minute=30), RULES)["silent"] == 0
    assert silence.check(MONDAY.replace(hour=17), RULES)["silent"] == 1
    assert silence.check(MONDAY.replace(hour=18), RULES)["silent"] == 0

    events = SystemEvent.objects.filter(code="META_WEBHOOK_TIMEOUT", tenant=tenant)
    assert events.count() == 1 and "has received nothing since 2026-11-23 12:05 UTC" in events.get().message
    incident = Incident.objects.get(dedup_key=f"whatsapp:{tenant.pk}")
    assert incident.runbook.slug == "whatsapp-inbound"
    assert incident.affected_tenants.filter(pk=tenant.pk).exists()

    one_more_event(connection, MONDAY.replace(hour=18, minute=20))
    assert silence.check(MONDAY.replace(hour=18, minute=25), RULES)["resumed"] == 1

    assert InboundSilence.objects.get().resolved_at == MONDAY.replace(hour=18, minute=25)
    texts = list(incident.timeline.values_list("text", flat=True))
    assert any("inbound traffic resumed at 2026-11-23 18:20 UTC" in text for text in texts)
    assert silence.check(MONDAY.replace(hour=18, minute=30), RULES) == {"connections": 1, "silent": 0, "resumed": 0}


@pytest.mark.django_db
def test_other_providers_report_inbound_silence_in_their_own_incident(tenant):
    connection = ConnectionFactory(tenant=tenant, provider="pms")
    busy_days(connection, until=MONDAY.replace(hour=12, minute=5))

    silence.check(MONDAY.replace(hour=17), RULES)

    assert SystemEvent.objects.filter(code="INBOUND_SILENCE", tenant=tenant).count() == 1
    assert Incident.objects.get(dedup_key=f"inbound-silence:{connection.pk}").runbook.slug == "whatsapp-inbound"


@pytest.mark.django_db
def test_a_usual_quiet_night_is_not_a_silence(tenant):
    connection = ConnectionFactory(tenant=tenant, provider="waha")
    busy_days(connection, until=MONDAY.replace(hour=20, minute=5))

    assert silence.check(MONDAY.replace(hour=20) + timedelta(hours=12), RULES)["silent"] == 0
    assert not InboundSilence.objects.exists()


@pytest.mark.django_db
def test_the_job_runs_the_check_with_the_settings(tenant):
    assert jobs.inbound_silence() == {"connections": 0, "silent": 0, "resumed": 0}


@pytest.mark.django_db
def test_staff_see_silences_in_the_admin(admin_client, tenant):
    from django.urls import reverse

    connection = ConnectionFactory(tenant=tenant, provider="meta", external_key="1065551234", name="Front desk")
    busy_days(connection, until=MONDAY.replace(hour=12, minute=5))
    silence.check(MONDAY.replace(hour=17), RULES)

    page = admin_client.get(reverse("admin:health_inboundsilence_changelist")).content.decode()

    assert "Front desk" in page
