"""Signup end to end against the local Bot API: the owner gets the applicant's details, a PIN and
Approve / Reject buttons; Approve creates the account and the applicant's polling browser is logged
in; the PIN works from the waiting page and the JSON API; wrong PINs burn, PINs expire, starts are
rate limited, a Telegram failure leaves nothing usable behind, and closed signups say why."""

import json
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from apps.accounts.models import PendingSignup, TelegramLink
from apps.events.models import AuditEvent, SystemEvent
from apps.tenants.models import Membership, Tenant
from tests.factories import StaffFactory, UserFactory
from tests.fakes.telegram_bot_api import blocked_by_user, server_error

pytestmark = pytest.mark.django_db

OWNER_TG, OTHER_TG = 7100001, 7100002
APPLICATION = {"company": "Sunrise Hotel", "email": "anna@sunrise.example", "password": "long enough pw"}


@pytest.fixture
def owner(db):
    user = StaffFactory(username="platform-owner", is_superuser=True)
    TelegramLink.objects.create(user=user, telegram_user_id=OWNER_TG, chat_id=OWNER_TG, telegram_username="boss")
    return user


@pytest.fixture
def browser():
    """The applicant's browser: its own session, apart from the client Telegram's deliveries use."""
    return Client()


def start(browser, **changes):
    body = {**APPLICATION, "timezone": "Europe/Lisbon", **changes}
    return browser.post("/auth/signup/start", json.dumps(body), content_type="application/json")


def verify(browser, signup_id, pin):
    body = json.dumps({"signup_id": signup_id, "pin": pin})
    return browser.post("/auth/signup/verify", body, content_type="application/json")


def owner_message(bot_api):
    return bot_api.last_message(OWNER_TG)


def pin_in(message) -> str:
    return re.search(r"PIN: (\d{6})", message["text"]).group(1)


def press(bot_api, telegram, action, signup_id, user_id=OWNER_TG, username="boss"):
    message = owner_message(bot_api)
    telegram(bot_api.press_update(bot_api.user(user_id, username=username), message, f"signup:{action}:{signup_id}"))
    return bot_api.answers[-1]["text"]


def started(browser, bot_api):
    response = start(browser)
    assert response.status_code == 201, response.content
    return response.json()["signup_id"]


# --- open or closed ------------------------------------------------------------------------------


def test_signups_are_open_with_a_token_a_bound_owner_and_a_working_webhook(client, owner):
    body = client.get("/auth/signup/status").json()
    assert body == {
        "enabled": True,
        "has_telegram_token": True,
        "owner_bound": True,
        "webhook_ok": True,
        "reason": "Signups are open: the platform owner approves each new account in Telegram.",
    }
    page = client.get("/login/").content.decode()
    assert 'href="/signup/">Create an account</a>' in page


def test_without_a_token_signups_are_closed_and_the_login_page_says_why(client, owner, settings, bot_api):
    settings.TELEGRAM_BOT_TOKEN = ""
    body = client.get("/auth/signup/status").json()
    assert (body["enabled"], body["has_telegram_token"], body["webhook_ok"]) == (False, False, False)
    assert "no Telegram bot token is configured (TELEGRAM_BOT_TOKEN)" in body["reason"]
    page = client.get("/login/").content.decode()
    assert "Create an account" not in page
    assert "Creating a new account is not possible right now" in page and "TELEGRAM_BOT_TOKEN" in page
    assert bot_api.requests == []


def test_without_a_bound_owner_signups_are_closed(client, settings):
    StaffFactory(username="root", is_superuser=True)
    body = client.get("/auth/signup/status").json()
    assert (body["enabled"], body["has_telegram_token"], body["owner_bound"]) == (False, True, False)
    assert "no platform owner has bound a Telegram account yet" in body["reason"] and "/bind" in body["reason"]


def test_an_unbound_signup_owner_username_is_named(client, owner, settings):
    settings.SIGNUP_OWNER_USERNAME = "someone-else"
    reason = client.get("/auth/signup/status").json()["reason"]
    assert reason.startswith("Signups are closed: SIGNUP_OWNER_USERNAME names 'someone-else'")


def test_a_failing_webhook_closes_signups_with_telegrams_last_error(client, owner, bot_api):
    bot_api.fail_webhook("Wrong response from the webhook: 502 Bad Gateway")
    body = client.get("/auth/signup/status").json()
    assert (body["enabled"], body["owner_bound"], body["webhook_ok"]) == (False, True, False)
    assert "Wrong response from the webhook: 502 Bad Gateway" in body["reason"]


def test_a_closed_signup_refuses_starts_and_the_form_says_why(browser, settings):
    settings.TELEGRAM_BOT_TOKEN = ""
    response = start(browser)
    assert response.status_code == 503 and response.json()["error"] == "signup_closed"
    page = browser.get("/signup/")
    assert page.status_code == 503 and "not possible right now" in page.content.decode()
    assert not PendingSignup.objects.exists()


# --- approved by the button ----------------------------------------------------------------------


def test_the_owner_gets_the_details_a_pin_and_approve_reject_buttons(browser, owner, bot_api):
    response = start(browser)
    body = response.json()
    assert response.status_code == 201 and body["status"] == "pending"
    assert body["poll"] == f"/auth/signup/{body['signup_id']}/status" and body["expires_at"]
    message = owner_message(bot_api)
    assert "Sunrise Hotel (sunrise-hotel)" in message["text"] and "anna@sunrise.example" in message["text"]
    assert "Europe/Lisbon" in message["text"]
    assert bot_api.buttons(message) == [
        ("✅ Approve", f"signup:approve:{body['signup_id']}"),
        ("❌ Reject", f"signup:reject:{body['signup_id']}"),
    ]
    signup = PendingSignup.objects.get()
    assert (signup.owner_chat_id, signup.owner_message_id) == (OWNER_TG, message["message_id"])
    assert pin_in(message) not in signup.pin_hmac


def test_start_takes_a_form_body_too(browser, owner, bot_api):
    response = browser.post("/auth/signup/start", {**APPLICATION, "timezone": "Asia/Tokyo"})
    assert response.status_code == 201 and response.json()["status"] == "pending"
    assert PendingSignup.objects.get().time_zone == "Asia/Tokyo"


def test_approve_creates_the_account_and_the_polling_browser_is_logged_in(browser, owner, bot_api, telegram):
    signup_id = started(browser, bot_api)
    poll = f"/auth/signup/{signup_id}/status"
    assert browser.get(poll).json()["status"] == "pending"

    answer = press(bot_api, telegram, "approve", signup_id)

    assert answer == "Approved: Sunrise Hotel <anna@sunrise.example>."
    edited = owner_message(bot_api)
    assert re.search(r"Approved by @boss at \d\d:\d\d UTC\.", edited["text"])
    assert "PIN" not in edited["text"] and not bot_api.buttons(edited)
    tenant = Tenant.objects.get(slug="sunrise-hotel")
    assert Membership.objects.get(tenant=tenant).user.username == "anna@sunrise.example"

    assert Client().get(poll).json() == {"status": "completed", "detail": "Your account is ready."}
    body = browser.get(poll).json()
    assert body["status"] == "completed" and body["redirect"] == "/dashboard/"
    me = browser.get("/auth/me").json()
    assert me["user"]["username"] == "anna@sunrise.example" and me["active_tenant"]["slug"] == "sunrise-hotel"
    assert AuditEvent.objects.get(action="signup.completed").after["approved_by"] == "button"


def test_the_waiting_page_finishes_by_itself_after_approval(browser, owner, bot_api, telegram):
    browser.post("/signup/", {**APPLICATION, "timezone": "UTC"})
    signup_id = str(PendingSignup.objects.get().pk)
    press(bot_api, telegram, "approve", signup_id)

    response = browser.get(f"/signup/{signup_id}/")

    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert browser.get("/auth/me").status_code == 200


def test_another_browser_sees_the_status_but_is_not_logged_in(browser, owner, bot_api, telegram):
    signup_id = started(browser, bot_api)
    press(bot_api, telegram, "approve", signup_id)
    stranger = Client()
    page = stranger.get(f"/signup/{signup_id}/")
    assert page.status_code == 200 and "Your account is ready" in page.content.decode()
    assert stranger.get("/auth/me").status_code == 401


def test_reject_declines_and_the_page_says_so(browser, owner, bot_api, telegram):
    signup_id = started(browser, bot_api)
    answer = press(bot_api, telegram, "reject", signup_id)
    assert answer.startswith("Rejected")
    assert "Rejected by @boss" in owner_message(bot_api)["text"]
    assert browser.get(f"/auth/signup/{signup_id}/status").json()["status"] == "rejected"
    assert "declined" in browser.get(f"/signup/{signup_id}/").content.decode()
    assert not Tenant.objects.filter(slug="sunrise-hotel").exists()


def test_a_press_by_anyone_but_a_bound_superuser_is_refused(browser, owner, bot_api, telegram):
    agent = StaffFactory(username="agent-1")
    TelegramLink.objects.create(user=agent, telegram_user_id=OTHER_TG, chat_id=OTHER_TG)
    signup_id = started(browser, bot_api)

    assert "Only the platform owner" in press(bot_api, telegram, "approve", signup_id, user_id=OTHER_TG)
    assert "Only the platform owner" in press(bot_api, telegram, "approve", signup_id, user_id=9999, username="x")
    assert PendingSignup.objects.get().status == "pending" and not Tenant.objects.filter(slug="sunrise-hotel").exists()


def test_another_bound_superuser_may_decide(browser, owner, bot_api, telegram):
    second = StaffFactory(username="co-founder", is_superuser=True)
    TelegramLink.objects.create(user=second, telegram_user_id=OTHER_TG, chat_id=OTHER_TG, telegram_username="cofo")
    signup_id = started(browser, bot_api)
    assert press(bot_api, telegram, "approve", signup_id, user_id=OTHER_TG, username="cofo").startswith("Approved")
    assert PendingSignup.objects.get().decided_by == second


def test_a_newer_start_cancels_the_older_and_its_message_says_so(
    browser, owner, bot_api, django_capture_on_commit_callbacks
):
    first = started(browser, bot_api)
    first_message = owner_message(bot_api)
    first_pin = pin_in(first_message)
    with django_capture_on_commit_callbacks(execute=True):
        second = started(browser, bot_api)
    assert first != second
    replaced = bot_api.messages[OWNER_TG][first_message["message_id"]]
    assert "Replaced by a newer signup" in replaced["text"] and not bot_api.buttons(replaced)
    assert verify(browser, first, first_pin).json()["error"] == "cancelled"
    assert PendingSignup.objects.get(pk=second).status == "pending"


def test_a_second_press_creates_nothing_more(browser, owner, bot_api, telegram):
    signup_id = started(browser, bot_api)
    message = owner_message(bot_api)
    update = bot_api.press_update(bot_api.user(OWNER_TG, username="boss"), message, f"signup:approve:{signup_id}")
    telegram(update)
    again = dict(update, update_id=update["update_id"] + 1)
    telegram(again)
    assert "already complete" in bot_api.answers[-1]["text"]
    assert Tenant.objects.filter(slug="sunrise-hotel").count() == 1


# --- the PIN -------------------------------------------------------------------------------------


def test_the_pin_on_the_waiting_page_logs_the_applicant_in(browser, owner, bot_api, django_capture_on_commit_callbacks):
    form = browser.get("/signup/")
    assert form.status_code == 200 and 'name="company"' in form.content.decode()
    response = browser.post("/signup/", {**APPLICATION, "timezone": "Europe/Lisbon"})
    signup = PendingSignup.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/signup/{signup.pk}/"
    waiting = browser.get(response["Location"]).content.decode()
    assert 'name="pin"' in waiting and "Check again" in waiting and "data-signup-poll" in waiting

    pin = pin_in(owner_message(bot_api))
    wrong = browser.post(response["Location"], {"pin": f"{(int(pin) + 1) % 1_000_000:06d}"})
    assert wrong.status_code == 400 and "tries left" in wrong.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = browser.post(response["Location"], {"pin": pin})

    assert done.status_code == 302 and done["Location"] == "/dashboard/"
    assert browser.get("/auth/me").json()["active_tenant"]["slug"] == "sunrise-hotel"
    assert "Completed with the PIN" in owner_message(bot_api)["text"]
    assert AuditEvent.objects.get(action="signup.completed").after["approved_by"] == "pin"


def test_the_pin_through_the_json_api_is_idempotent(browser, owner, bot_api):
    signup_id = started(browser, bot_api)
    pin = pin_in(owner_message(bot_api))

    first = verify(browser, signup_id, pin)
    again = verify(browser, signup_id, pin)
    elsewhere = verify(Client(), signup_id, pin)

    assert first.status_code == again.status_code == 200
    assert first.json() == {"signup_id": signup_id, "status": "completed", "redirect": "/dashboard/"}
    assert elsewhere.status_code == 409 and elsewhere.json()["error"] == "already_completed"
    assert Tenant.objects.filter(slug="sunrise-hotel").count() == 1


def test_five_wrong_pins_burn_it(browser, owner, bot_api):
    signup_id = started(browser, bot_api)
    pin = pin_in(owner_message(bot_api))
    wrong = f"{(int(pin) + 1) % 1_000_000:06d}"
    answers = [verify(browser, signup_id, wrong) for _ in range(5)]
    assert [a.status_code for a in answers] == [400, 400, 400, 400, 403]
    assert answers[0].json()["error"] == "wrong_pin" and "4 tries left" in answers[0].json()["detail"]
    assert answers[-1].json()["error"] == "pin_burned"
    right = verify(browser, signup_id, pin)
    assert right.status_code == 403 and right.json()["error"] == "pin_burned"
    assert browser.get(f"/auth/signup/{signup_id}/status").json()["status"] == "burned"
    assert not get_user_model().objects.filter(username="anna@sunrise.example").exists()


def test_an_expired_pin_is_410(browser, owner, bot_api):
    signup_id = started(browser, bot_api)
    PendingSignup.objects.update(pin_expires_at=timezone.now() - timedelta(seconds=1))
    response = verify(browser, signup_id, pin_in(owner_message(bot_api)))
    assert response.status_code == 410 and response.json()["error"] == "expired"
    assert "expired" in response.json()["detail"]
    assert browser.get(f"/auth/signup/{signup_id}/status").json()["status"] == "expired"


def test_refusals_are_clear_4xx(browser, owner, bot_api):
    assert verify(browser, "nope", "123456").status_code == 404
    missing = browser.post("/auth/signup/verify", "{}", content_type="application/json")
    assert missing.status_code == 400 and missing.json()["error"] == "invalid"
    broken = browser.post("/auth/signup/verify", "{not json", content_type="application/json")
    assert broken.status_code == 400 and "not JSON" in broken.json()["detail"]
    assert browser.get("/auth/signup/nope/status").status_code == 404
    assert browser.get("/signup/nope/").status_code == 404


# --- what is refused before anything is sent ------------------------------------------------------


def test_a_bad_application_is_400_with_every_field_and_nothing_is_sent(browser, owner, bot_api):
    UserFactory(username="anna@sunrise.example", email="anna@sunrise.example")
    response = start(browser, password="short", timezone="Nowhere/Land")
    body = response.json()
    assert response.status_code == 400 and set(body["fields"]) == {"email", "password", "timezone"}
    assert bot_api.calls("sendMessage") == [] and not PendingSignup.objects.exists()
    page = browser.post("/signup/", {**APPLICATION, "password": "short"})
    assert page.status_code == 400 and "at least 8 characters" in page.content.decode()


def test_a_fourth_start_within_15_minutes_is_429_with_retry_after(browser, owner, bot_api):
    for _ in range(3):
        assert start(browser).status_code == 201
    response = start(browser)
    assert response.status_code == 429 and response.json()["error"] == "rate_limited"
    assert int(response["Retry-After"]) > 0
    assert len(bot_api.calls("sendMessage")) == 3
    assert PendingSignup.objects.filter(status="pending").count() == 1


def test_the_json_endpoints_want_the_csrf_token_in_x_csrf_token(owner, bot_api):
    strict = Client(enforce_csrf_checks=True)
    refused = start(strict)
    assert refused.status_code == 403 and refused.json()["error"] == "csrf_invalid"
    token = strict.get("/auth/me").json()["csrf_token"]
    body = json.dumps({**APPLICATION, "timezone": "UTC"})
    accepted = strict.post("/auth/signup/start", body, content_type="application/json", headers={"x-csrf-token": token})
    assert accepted.status_code == 201


# --- Telegram down -------------------------------------------------------------------------------


@pytest.mark.parametrize("reply", [server_error(), blocked_by_user()], ids=["502", "blocked"])
def test_telegram_down_is_telegram_send_fail_and_nothing_usable_remains(browser, owner, bot_api, reply):
    assert browser.get("/auth/signup/status").json()["enabled"]  # getWebhookInfo answered (and cached)
    bot_api.script(reply)
    response = start(browser)

    assert response.status_code == 503 and response.json()["error"] == "telegram_unavailable"
    assert "try again" in response.json()["detail"]
    signup = PendingSignup.objects.get()
    assert signup.status == "failed" and signup.owner_message_id is None
    event = SystemEvent.objects.get(code="TELEGRAM_SEND_FAIL")
    assert event.meta["signup_id"] == str(signup.pk)
    assert verify(browser, str(signup.pk), "123456").json()["error"] == "not_sent"
    assert not get_user_model().objects.filter(username="anna@sunrise.example").exists()
    assert browser.get(f"/auth/signup/{signup.pk}/status").json()["status"] == "failed"


def test_telegram_down_on_the_form_tells_the_applicant_to_try_later(browser, owner, bot_api):
    assert browser.get("/auth/signup/status").json()["enabled"]
    bot_api.script(server_error())
    page = browser.post("/signup/", {**APPLICATION, "timezone": "UTC"})
    assert page.status_code == 503 and "try again in a few minutes" in page.content.decode()
