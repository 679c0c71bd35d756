"""Under the Content-Security-Policy the admin, the Swagger UI and the portal still work in a real
Chromium, and it reports no violation."""

import pytest

from tests.browser import chromium_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page_and_violations():
    violations = []
    with chromium_page() as page:
        page.on(
            "console",
            lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
        )
        yield page, violations


def log_in(page, url, username, password):
    page.goto(url)
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("[type=submit]")


def test_admin_and_swagger_ui_work_under_the_policy(live_server, staff, page_and_violations):
    page, violations = page_and_violations
    log_in(page, f"{live_server.url}/admin/login/?next=/admin/", staff.username, "correct-horse-battery")
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/tenants/tenant/add/")
    page.wait_for_selector("#tenant_form")
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15000)
    assert "Opsdesk API" in page.locator(".swagger-ui .info .title").inner_text()
    assert violations == []


def test_the_portal_works_under_the_policy(live_server, people, tenant, page_and_violations):
    page, violations = page_and_violations
    log_in(page, f"{live_server.url}/login/", people.owner.username, people.password)
    page.wait_for_url(f"{live_server.url}/dashboard/")
    page.goto(f"{live_server.url}/dashboard/errors/")
    assert violations == []
