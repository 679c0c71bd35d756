"""The portal's login and dashboard in a real headless Chromium (Debian's), driven by
Playwright with `executable_path`."""
import os

import pytest

from tests.conftest import CHROMIUM

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def browser_page():
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page()
        finally:
            browser.close()


def test_tenant_owner_logs_in_with_the_keyboard_and_sees_the_dashboard(live_server, people, tenant, browser_page):
    page = browser_page
    page.goto(f"{live_server.url}/dashboard/")
    assert "/login/" in page.url
    page.keyboard.press("Tab")
    page.focus("#id_username")
    page.keyboard.type(people.owner.username)
    page.keyboard.press("Tab")
    page.keyboard.type(people.password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/dashboard/")
    assert page.locator("h1").inner_text() == tenant.name
    assert "Usage against limits" in page.content()


def test_wrong_password_shows_a_clear_error(live_server, people, browser_page):
    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", people.owner.username)
    page.fill("#id_password", "not-it")
    page.click("button[type=submit]")
    assert "correct" in page.locator("[role=alert]").inner_text().lower()
