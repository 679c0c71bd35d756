"""The signup's pure decisions: open or closed and why, the rate limit, a PIN attempt, what a poll says;
and the PIN's HMAC."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.accounts.signup import pins, rules
from apps.accounts.signup.rules import Availability, SignupState

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=10)


def pending(tries=0, status="pending", expires=LATER):
    return SignupState(status, expires, tries)


def test_signups_are_open_with_a_token_an_owner_and_a_working_webhook():
    open_now = Availability(True, True, True)
    assert open_now.enabled
    assert open_now.as_json() == {
        "enabled": True,
        "has_telegram_token": True,
        "owner_bound": True,
        "webhook_ok": True,
        "reason": rules.OPEN,
    }


@pytest.mark.parametrize(
    "availability, words",
    [
        (Availability(False, True, False), "no Telegram bot token is configured (TELEGRAM_BOT_TOKEN)"),
        (Availability(True, False, False), "no platform owner has bound a Telegram account yet"),
        (Availability(True, False, False), "/bind <code>"),
        (Availability(True, True, False, "The webhook is not set."), "webhook is not working. The webhook is not set."),
        (Availability(True, False, False, owner_reason="SIGNUP_OWNER_USERNAME names 'x'"), "names 'x'"),
    ],
)
def test_a_closed_signup_says_why_in_words(availability, words):
    assert not availability.enabled
    assert availability.reason.startswith("Signups are closed: ")
    assert words in availability.reason
    assert rules.closed(availability).status == 503


def test_three_starts_per_email_within_15_minutes_then_429_until_the_oldest_leaves_the_window():
    starts = [NOW - timedelta(minutes=14), NOW - timedelta(minutes=5), NOW - timedelta(minutes=1)]
    assert rules.decide_rate(starts[:2], [], NOW) is None
    refusal = rules.decide_rate(starts, [], NOW)
    assert (refusal.code, refusal.status) == ("rate_limited", 429)
    assert refusal.retry_after == 60
    assert "e-mail address" in refusal.detail and "1 minute" in refusal.detail


def test_the_address_is_limited_too():
    refusal = rules.decide_rate([], [NOW - timedelta(minutes=2)] * 3, NOW)
    assert "network address" in refusal.detail and refusal.retry_after > 12 * 60


def test_the_right_pin_completes_an_open_signup():
    assert rules.decide_pin(pending(), True, NOW).complete
    assert rules.decide_pin(pending(status="approved"), True, NOW).complete


def test_a_wrong_pin_counts_and_says_how_many_tries_are_left():
    verdict = rules.decide_pin(pending(tries=2), False, NOW)
    assert not verdict.complete and verdict.wrong_tries == 3 and verdict.status is None
    assert (verdict.refusal.code, verdict.refusal.status) == ("wrong_pin", 400)
    assert "2 tries left" in verdict.refusal.detail


def test_the_fifth_wrong_pin_burns_the_signup():
    verdict = rules.decide_pin(pending(tries=4), False, NOW)
    assert (verdict.status, verdict.wrong_tries, verdict.refusal.code) == ("burned", 5, "pin_burned")


def test_an_expired_pin_is_refused_even_when_right_and_counts_nothing():
    verdict = rules.decide_pin(pending(expires=NOW), True, NOW)
    assert not verdict.complete and verdict.wrong_tries is None
    assert (verdict.refusal.code, verdict.refusal.status) == ("expired", 410)


@pytest.mark.parametrize(
    "status, code",
    [
        ("completed", "already_completed"),
        ("rejected", "rejected"),
        ("burned", "pin_burned"),
        ("cancelled", "cancelled"),
        ("failed", "not_sent"),
        ("expired", "expired"),
    ],
)
def test_an_ended_signup_refuses_every_pin(status, code):
    verdict = rules.decide_pin(pending(status=status), True, NOW)
    assert not verdict.complete and verdict.refusal.code == code and 400 <= verdict.refusal.status < 500


def test_a_poll_shows_an_overdue_pending_signup_as_expired_and_nothing_else():
    assert rules.poll_json(pending(expires=NOW - timedelta(seconds=1)), NOW)["status"] == "expired"
    assert set(rules.poll_json(pending(), NOW)) == {"status", "detail"}


def test_pins_are_six_random_digits():
    drawn = {pins.new_pin() for _ in range(50)}
    assert all(len(pin) == 6 and pin.isdigit() for pin in drawn)
    assert len(drawn) > 40


@pytest.mark.parametrize("text, pin", [("123456", "123456"), (" 123 456 ", "123456"), ("123-456", "123456")])
def test_a_pin_may_be_typed_with_spaces_or_a_dash(text, pin):
    assert pins.normalise(text) == pin


@pytest.mark.parametrize("text", ["", "12345", "1234567", "12345a", "١٢٣٤٥٦", None])
def test_anything_but_six_digits_is_no_pin(text):
    assert pins.normalise(text) is None


def test_the_pin_is_stored_as_an_hmac_of_the_signup_and_the_pin(settings):
    settings.SIGNUP_PIN_SECRET = "pin-secret"
    stored = pins.digest("id-1", "123456")
    assert "123456" not in stored and len(stored) == 64
    assert pins.matches("id-1", "123456", stored)
    assert not pins.matches("id-1", "123457", stored)
    assert not pins.matches("id-2", "123456", stored)
    settings.SIGNUP_PIN_SECRET = "another-secret"
    assert not pins.matches("id-1", "123456", stored)
