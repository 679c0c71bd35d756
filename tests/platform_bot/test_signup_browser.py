"""Signup in a real headless Chromium against the live server and the local Bot API: the applicant
fills the form by keyboard and waits; the owner presses Approve in Telegram (delivered to our
webhook over HTTP); the waiting page's poll notices, and the browser lands logged in on the portal.
Without JavaScript the PIN works from the same page."""

import re

import pytest

from apps.accounts.models import TelegramLink
from tests.browser import chromium_page
from tests.factories import PlanFactory, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OWNER_TG = 7200001


@pytest.fixture
def ready(live_server, bot_api):
    """A plan to sign up on (a transactional test starts without the seeded ones), a bound owner, and
    Telegram's webhook pointing at the live server."""
    PlanFactory(name="Starter")
    owner = StaffFactory(username="platform-owner", is_superuser=True)
    TelegramLink.objects.create(user=owner, telegram_user_id=OWNER_TG, chat_id=OWNER_TG, telegram_username="boss")
    bot_api.webhook["url"] = f"{live_server.url}/auth/telegram/webhook"
    return live_server


def fill_the_form(page, base):
    page.goto(f"{base}/login/")
    page.get_by_role("link", name="Create an account").click()
    page.wait_for_url(f"{base}/signup/")
    page.locator("#id_company").focus()
    page.keyboard.type("Sunrise Hotel")
    page.keyboard.press("Tab")
    page.keyboard.type("anna@sunrise.example")
    page.keyboard.press("Tab")
    page.keyboard.type("long enough pw")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/signup/[0-9a-f-]{36}/$"))


def test_approve_in_telegram_and_the_waiting_page_logs_in_by_itself(ready, bot_api):
    with chromium_page() as page:
        fill_the_form(page, ready.url)
        assert "Waiting for approval" in page.content()
        message = bot_api.last_message(OWNER_TG)
        approve = next(data for label, data in bot_api.buttons(message) if "Approve" in label)

        delivered = bot_api.deliver(bot_api.press_update(bot_api.user(OWNER_TG, username="boss"), message, approve))

        assert delivered.status_code == 200
        page.wait_for_url(f"{ready.url}/dashboard/", timeout=20_000)
        assert "your account is ready" in page.content()
        assert "Approved by @boss" in bot_api.last_message(OWNER_TG)["text"]


def test_without_javascript_the_pin_typed_on_the_waiting_page_logs_in(ready, bot_api):
    with chromium_page(java_script_enabled=False) as page:
        fill_the_form(page, ready.url)
        pin = re.search(r"PIN: (\d{6})", bot_api.last_message(OWNER_TG)["text"]).group(1)
        page.locator("#id_pin").focus()
        page.keyboard.type(pin)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{ready.url}/dashboard/")
        assert "PIN accepted" in page.content()
