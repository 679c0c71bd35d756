"""The portal's login and dashboard in a real headless Chromium (Debian's), driven by
Playwright with `executable_path`."""

import pytest

from tests.browser import chromium_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_page():
    with chromium_page() as page:
        yield page


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


@pytest.fixture
def page_without_javascript():
    with chromium_page(java_script_enabled=False) as page:
        yield page


def log_in(page, live_server, people):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", people.owner.username)
    page.fill("#id_password", people.password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/dashboard/")


def test_opting_a_contact_back_in_works_by_keyboard_without_javascript(
    live_server, people, tenant, page_without_javascript
):
    from apps.integrations import services as integration_services
    from apps.outbound import services
    from apps.outbound.models import ContactChannelPolicy, Via

    integration_services.create_connection(tenant, "telegram", values={"bot_token": "t"})
    policy = services.contact_policy(tenant, "telegram", "555123", "Ada")
    services.opt_out(policy, via=Via.KEYWORD, actor_label="contact", note="STOP")
    page = page_without_javascript
    log_in(page, live_server, people)

    page.goto(f"{live_server.url}/dashboard/outbound/contacts/{policy.pk}/opt-in/")
    page.focus("#id_reason")
    page.keyboard.type("She wrote to reception asking for updates again")
    page.focus("form.card button[type=submit]")
    page.keyboard.press("Enter")  # the required box is not ticked: the browser itself refuses to submit
    assert page.url.endswith("/opt-in/") and ContactChannelPolicy.objects.get(pk=policy.pk).opted_out

    page.focus("#id_contact_asked")
    page.keyboard.press("Space")
    page.focus("form.card button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/dashboard/outbound/contacts/{policy.pk}/")
    assert not ContactChannelPolicy.objects.get(pk=policy.pk).opted_out
