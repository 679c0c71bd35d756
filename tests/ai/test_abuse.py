"""Abuse by one contact: a burst of AI requests or the same message again and again pauses AI
replies to that contact; the first call of each pause emits AI_ABUSE_THROTTLED and opens one
ticket for the tenant's review."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.ai import abuse
from apps.ai.abuse import AbuseInput, Thresholds, check_contact, decide
from apps.ai.models import ContactThrottle
from apps.events.models import SystemEvent
from apps.tickets.models import Ticket
from tests.ai.factories import AIRequestFactory
from tests.factories import TenantFactory

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
LIMITS = Thresholds(
    burst_messages=5, burst_window=timedelta(seconds=60), repeat_messages=3, throttle=timedelta(minutes=15)
)
CONTACT = "351912345678"


def facts(**changes):
    values = dict(now=NOW, recent_requests=1, repeats=1, throttled_until=None, thresholds=LIMITS)
    return AbuseInput(**{**values, **changes})


class TestDecide:
    def test_an_ordinary_message_is_allowed(self):
        assert decide(facts()) == abuse.ALLOWED

    def test_a_burst_above_the_limit_opens_a_throttle_window(self):
        decision = decide(facts(recent_requests=6))

        assert decision.throttled and decision.new_window and decision.kind == abuse.BURST
        assert decision.until == NOW + timedelta(minutes=15)
        assert "6 messages within 60 s" in decision.reason

    def test_the_burst_limit_itself_is_allowed(self):
        assert not decide(facts(recent_requests=5)).throttled

    def test_the_same_message_repeated_opens_a_window(self):
        decision = decide(facts(repeats=3))

        assert decision.throttled and decision.kind == abuse.REPEATED and decision.new_window

    def test_inside_a_window_calls_are_throttled_without_a_new_window(self):
        decision = decide(facts(throttled_until=NOW + timedelta(minutes=1), recent_requests=50))

        assert decision.throttled and not decision.new_window and decision.kind == abuse.THROTTLED

    def test_after_the_window_ordinary_messages_are_allowed_again(self):
        assert not decide(facts(throttled_until=NOW - timedelta(seconds=1))).throttled

    def test_a_zero_threshold_switches_that_check_off(self):
        off = Thresholds(
            burst_messages=0, burst_window=timedelta(seconds=60), repeat_messages=0, throttle=LIMITS.throttle
        )

        assert not decide(facts(recent_requests=1000, repeats=1000, thresholds=off)).throttled


@pytest.fixture
def limits(settings):
    settings.AI_ABUSE_BURST_MESSAGES = 5
    settings.AI_ABUSE_BURST_WINDOW_S = 60
    settings.AI_ABUSE_REPEAT_MESSAGES = 3
    settings.AI_ABUSE_THROTTLE_S = 900
    return settings


def requests_of(tenant, count, *, at=NOW, contact=CONTACT):
    for second in range(count):
        AIRequestFactory(tenant=tenant, contact_id=contact, created_at=at - timedelta(seconds=second + 1))


@pytest.mark.django_db
class TestCheckContact:
    def test_a_burst_throttles_the_contact_with_one_event_and_one_ticket(self, limits):
        tenant = TenantFactory()
        requests_of(tenant, 5)

        decision = check_contact(tenant, CONTACT, "hello?", now=NOW)

        assert decision.throttled and decision.kind == abuse.BURST
        state = ContactThrottle.objects.get(tenant=tenant, contact_id=CONTACT)
        assert state.throttled_until == NOW + timedelta(seconds=900) and state.windows == 1
        event = SystemEvent.objects.get(code="AI_ABUSE_THROTTLED")
        assert event.tenant == tenant and event.meta["contact_id"] == CONTACT and event.meta["kind"] == "burst"
        ticket = Ticket.objects.get(tenant=tenant)
        assert state.ticket == ticket and CONTACT in ticket.subject
        assert ticket.tags.filter(name="ai-abuse").exists()

    def test_further_calls_in_the_window_are_throttled_without_another_ticket(self, limits):
        tenant = TenantFactory()
        requests_of(tenant, 5)
        check_contact(tenant, CONTACT, "hello?", now=NOW)

        later = [check_contact(tenant, CONTACT, f"hello {n}", now=NOW + timedelta(minutes=n)) for n in range(1, 5)]

        assert all(decision.throttled and not decision.new_window for decision in later)
        assert Ticket.objects.filter(tenant=tenant).count() == 1
        assert SystemEvent.objects.filter(code="AI_ABUSE_THROTTLED").count() == 1

    def test_a_new_window_after_the_pause_opens_a_second_ticket(self, limits):
        tenant = TenantFactory()
        requests_of(tenant, 5)
        check_contact(tenant, CONTACT, "hello?", now=NOW)
        after = NOW + timedelta(seconds=901)
        requests_of(tenant, 6, at=after)

        decision = check_contact(tenant, CONTACT, "still here", now=after)

        assert decision.new_window
        assert Ticket.objects.filter(tenant=tenant).count() == 2
        assert ContactThrottle.objects.get(tenant=tenant, contact_id=CONTACT).windows == 2

    def test_the_same_message_in_a_row_throttles_whatever_its_spelling(self, limits):
        tenant = TenantFactory()

        first = [check_contact(tenant, CONTACT, text, now=NOW) for text in ("WIN A PRIZE", "win a prize ")]
        third = check_contact(tenant, CONTACT, "Wín a prize", now=NOW)

        assert not any(decision.throttled for decision in first)
        assert third.throttled and third.kind == abuse.REPEATED

    def test_different_messages_reset_the_repeat_count(self, limits):
        tenant = TenantFactory()

        decisions = [check_contact(tenant, CONTACT, text, now=NOW) for text in ("a", "a", "b", "a", "a")]

        assert not any(decision.throttled for decision in decisions)

    def test_other_contacts_and_other_tenants_are_not_counted(self, limits):
        tenant, other_tenant = TenantFactory(), TenantFactory()
        requests_of(tenant, 5, contact="351900000000")
        requests_of(other_tenant, 5)

        assert not check_contact(tenant, CONTACT, "hello", now=NOW).throttled

    def test_requests_older_than_the_window_are_not_counted(self, limits):
        tenant = TenantFactory()
        requests_of(tenant, 10, at=NOW - timedelta(seconds=61))

        assert not check_contact(tenant, CONTACT, "hello", now=NOW).throttled

    def test_without_a_contact_nothing_is_recorded(self, limits):
        tenant = TenantFactory()

        assert check_contact(tenant, "", "hello", now=NOW) == abuse.ALLOWED
        assert not ContactThrottle.objects.exists()


@pytest.mark.django_db
class TestLiftAndAdmin:
    def test_an_operator_ends_a_pause_with_a_reason_audited(self, limits, staff):
        from apps.events.models import AuditEvent

        tenant = TenantFactory()
        requests_of(tenant, 5)
        check_contact(tenant, CONTACT, "hello?", now=NOW)
        throttle = ContactThrottle.objects.get(tenant=tenant)

        abuse.lift(throttle, actor=staff, reason="a real guest in a hurry", now=NOW + timedelta(minutes=1))

        assert not check_contact(tenant, CONTACT, "hello again", now=NOW + timedelta(minutes=2)).throttled
        audit = AuditEvent.objects.get(action="ai.contact_throttle_lifted")
        assert audit.reason == "a real guest in a hurry" and audit.tenant == tenant

    def test_a_pause_needs_a_reason_to_end(self, staff):
        from apps.core.errors import ServiceError

        throttle = ContactThrottle.objects.create(tenant=TenantFactory(), contact_id=CONTACT)

        with pytest.raises(ServiceError):
            abuse.lift(throttle, actor=staff, reason=" ")

    def test_the_admin_lists_paused_contacts_with_their_ticket(self, limits, admin_client):
        tenant = TenantFactory(name="Hotel Mar")
        requests_of(tenant, 5)
        check_contact(tenant, CONTACT, "hello?", now=NOW)

        page = admin_client.get("/admin/ai/contactthrottle/")

        assert page.status_code == 200
        assert CONTACT in page.content.decode() and "Hotel Mar" in page.content.decode()
