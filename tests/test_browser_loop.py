"""The operating loop as the on-call engineer walks it in Chromium (Debian's, driven by Playwright):
a tenant's n8n breaks — guests' WhatsApp messages start bot runs that fail, then the n8n monitor
fails twice against a local server answering 500 — and one incident opens with the n8n runbook and
the tenant's failed runs and events linked. The engineer runs the runbook's checks, switches the
tenant's WhatsApp off, sees n8n recover (the server answers 200 and the monitor runs), reads that
it is over by the monitor, switches WhatsApp back on and resolves the incident."""

import pytest

from apps.health import services as health
from apps.incidents.models import Incident, TimelineEntry
from apps.integrations import automation
from apps.integrations import services as integration_services
from apps.tenants.models import Tenant
from tests.browser import chromium_page
from tests.factories import PASSWORD, StaffFactory, TenantFactory
from tests.fakes.graph import FakeGraph
from tests.fakes.n8n_health import OK, FakeN8nInstance
from tests.fakes.server import Reply
from tests.integrations import signing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

APP_SECRET = "meta-app-secret"
BROKEN = Reply(500, {"message": "Internal Server Error"})


@pytest.fixture
def page():
    with chromium_page() as page:
        yield page


@pytest.fixture
def runbooks_seeded(db):
    """The runbooks as their data migration loads them: a transactional test before this one may
    have flushed them."""
    import importlib

    from django.apps import apps

    importlib.import_module("apps.incidents.migrations.0003_seed_runbooks_and_escalation").seed(apps, None)


@pytest.fixture
def quick(settings, runbooks_seeded):
    settings.HEALTH_HTTP_TIMEOUT, settings.HEALTH_FAILURE_THRESHOLD = 1.0, 2
    settings.HEALTH_PLATFORM_TENANTS, settings.SLACK_WEBHOOK_URL = [], ""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.META_APP_SECRET = APP_SECRET


@pytest.fixture
def acme(quick):
    """A tenant as the demo has them: WhatsApp through Meta and a concierge bot on its own n8n."""
    acme = TenantFactory(name="Acme Hotels", slug="acme-hotels")
    with FakeGraph() as graph, FakeN8nInstance() as n8n:
        integration_services.create_connection(
            acme,
            "meta",
            name="Acme WhatsApp",
            values={
                "phone_number_id": graph.phone_number_id,
                "graph_base_url": graph.base_url,
                "access_token": graph.token,
            },
        )
        integration_services.create_connection(
            acme, "n8n", name="Acme n8n", secret="callback-token", values={"base_url": n8n.url, "token": n8n.token}
        )
        automation.create_bot(acme, name="Concierge", workflow_path="webhook/concierge")
        yield acme, graph, n8n


def guest_writes(client, graph, message_id, text):
    body = signing.body_of(
        signing.meta_delivery(
            graph.phone_number_id, messages=[signing.meta_text(message_id, sender="4915112345678", text=text)]
        )
    )
    response = client.post(
        "/webhooks/meta/", data=body, content_type="application/json", **signing.meta_headers(APP_SECRET, body)
    )
    assert response.status_code == 200


def n8n_monitor_runs():
    return health.run_monitors(only="connection_n8n")


def log_in(page, live_server, user):
    page.goto(f"{live_server.url}/admin/login/?next=/admin/incidents/incident/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/incidents/incident/")


def submit(page, form_selector, button_value):
    with page.expect_navigation():
        page.click(f"{form_selector} input[type=submit][value='{button_value}']")
    return page.locator("ul.messagelist").inner_text()


def test_a_tenants_broken_n8n_walked_from_failure_to_resolution(live_server, page, acme, client):
    tenant, graph, n8n = acme
    oncall = StaffFactory(username="oncall@ops.test", is_superuser=True)

    # n8n breaks: the workflow and the health endpoint answer 500.
    n8n.workflow("webhook/concierge", BROKEN)
    n8n.route("GET", "/healthz", BROKEN)
    guest_writes(client, graph, "wamid.GUEST1", "Is breakfast included?")
    guest_writes(client, graph, "wamid.GUEST2", "Can I check in early?")
    n8n_monitor_runs()
    n8n_monitor_runs()

    incident = Incident.objects.get()
    assert (incident.runbook.slug, incident.severity) == ("n8n-down", "sev3")
    assert list(incident.affected_tenants.all()) == [tenant]

    # The incidents list: one open incident; its console shows the n8n runbook and the tenant's failures.
    log_in(page, live_server, oncall)
    with page.expect_navigation():
        page.click(f"#result_list a:has-text('{incident.title}')")
    assert page.locator("#chosen-runbook").inner_text().startswith("n8n down or timing out")
    assert page.locator("#runbook-n8n-down").is_visible()
    assert page.locator("#runbook-database-down").count() == 0
    failures = page.locator("#linked-events tr:has-text('N8N_TRIGGER_FAIL')")
    assert failures.count() == 2
    assert page.locator("#linked-runs li").count() == 2
    assert "Bot Concierge" in failures.first.inner_text()
    assert page.locator("#evidence-summary").inner_text().startswith("NOT over: n8n: Acme n8n (acme-hotels) is down")
    event_url = failures.first.locator("a").first.get_attribute("href")
    run_url = failures.first.locator("a:has-text('run #')").get_attribute("href")
    console_url = page.url

    # Run the runbook's checks: n8n's own check fails, on the timeline and in the results.
    assert "failed" in submit(page, "form[action$='/act/run-checks/']", "Run checks")
    assert "fail" in page.locator("#check-results tr:has-text('connection_n8n')").inner_text()

    # Kill switch: WhatsApp off for the tenant, with a reason.
    page.select_option(f"#switch-{tenant.pk}", "tenant_whatsapp_off")
    page.fill(f"#reason-{tenant.pk}", "Bot replies fail while n8n is down; reception answers by hand")
    assert "done and audited" in submit(page, "form[action$='/act/tenant-switch/']", f"Apply to {tenant.name}")
    assert not Tenant.objects.get(pk=tenant.pk).is_whatsapp_enabled

    # n8n answers again and the monitor runs: the console says it is over, judged by the monitor.
    n8n.route("GET", "/healthz", OK)
    n8n_monitor_runs()
    page.reload()
    summary = page.locator("#evidence-summary")
    assert summary.inner_text().startswith("Over by the monitors: every monitor of this incident is healthy")
    assert summary.get_attribute("class") == "good"
    assert "consider resolving it" in page.locator("#timeline").inner_text()

    # WhatsApp back on, then resolve with a note.
    page.select_option(f"#switch-{tenant.pk}", "tenant_whatsapp_on")
    page.fill(f"#reason-{tenant.pk}", "n8n answers again")
    submit(page, "form[action$='/act/tenant-switch/']", f"Apply to {tenant.name}")
    page.select_option("#id_status", "resolved")
    page.fill("#id_note", "n8n's database was back; the two failed runs were re-triggered by hand")
    assert "Status changed to resolved" in submit(page, "form[action$='/act/status/']", "Change status")
    assert "Resolved" in page.locator("#summary").inner_text()

    incident.refresh_from_db()
    recovery = incident.timeline.filter(kind=TimelineEntry.Kind.RECOVERY).last()
    assert incident.status == "resolved" and recovery.data["back_to_baseline"] is True
    assert Tenant.objects.get(pk=tenant.pk).is_whatsapp_enabled

    # In the Error Center the event shows its incident and the failed run it carries, both one click away.
    page.goto(f"{live_server.url}{event_url}")
    links = page.locator(".field-links")
    assert f"Incident: #{incident.pk}" in links.inner_text() and "Automation run: run #" in links.inner_text()
    with page.expect_navigation():
        links.locator("a:has-text('run #')").click()
    assert page.url == f"{live_server.url}{run_url}"
    page.goto(f"{live_server.url}{event_url}")
    with page.expect_navigation():
        page.locator(f".field-links a:has-text('#{incident.pk}')").click()
    assert page.url == console_url
