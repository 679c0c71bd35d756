"""Runbooks as data: one per failure mode, loaded by the data migration, found by event code,
editable in the admin and linked from the Error Center."""

import pytest

from apps.events import codes as catalog
from apps.incidents import runbooks
from apps.incidents.models import Runbook
from tests.factories import SystemEventFactory
from tests.incidents.factories import make_incident

pytestmark = pytest.mark.django_db

KNOWN_CHECKS = {
    "redis_ping",
    "database_latency",
    "backup_freshness",
    "celery_workers",
    "queue_depth",
    "dead_letters_last_hour",
    "tenant_switches",
    "tenant_usage",
    "connection_chatwoot",
    "connection_waha",
    "connection_meta_token",
    "connection_n8n",
    "connection_pms",
    "stuck_automation_runs",
    "outbound_sending",
    "tenant_ai_abuse",
    "rls_policies",
    "auth_login",
    "telegram_platform_bot",
    "support_loop_e2e",
}


def test_the_migration_loads_one_runbook_per_failure_mode():
    assert Runbook.objects.count() == len(catalog.RUNBOOKS)  # 26 with the backups app's 'Database lost'
    assert set(catalog.RUNBOOKS) <= set(Runbook.objects.values_list("slug", flat=True))


def test_every_runbook_is_complete_and_names_known_checks_and_codes():
    for book in Runbook.objects.all():
        assert all([book.title, book.symptom, book.impact, book.fix, book.evidence]), book.slug
        assert book.checks and set(book.checks) <= KNOWN_CHECKS, book.slug
        assert all(catalog.get(code) for code in book.codes), book.slug
        book.full_clean()


def test_every_catalog_code_finds_a_runbook():
    assert all(runbooks.for_code(code) for code in catalog.CATALOG)
    assert runbooks.for_code("META_TOKEN_EXPIRED").slug == "whatsapp-outbound"


def test_the_manual_fallback_runbook_lists_the_codes_its_switch_emits():
    assert Runbook.objects.get(slug="manual-fallback").codes == ["MANUAL_MODE_ON", "MANUAL_MODE_OFF"]
    assert runbooks.for_code("MANUAL_MODE_OFF").slug == "manual-fallback"


def test_editing_a_runbooks_codes_adds_the_code_to_it():
    chatwoot = Runbook.objects.get(slug="chatwoot-down")
    chatwoot.codes = ["HEALTH_CHECK_FAILED"]
    chatwoot.save()
    assert {book.slug for book in runbooks.for_codes(["HEALTH_CHECK_FAILED"])} == {"database-down", "chatwoot-down"}


def test_an_incidents_checks_are_its_runbooks_checks_once_each(staff):
    incident = make_incident(staff, codes=["META_TOKEN_EXPIRED", "META_SEND_FAIL", "N8N_TIMEOUT"])
    assert [book.slug for book in runbooks.for_incident(incident)] == ["whatsapp-outbound", "n8n-down"]
    assert runbooks.checks_for(incident) == [
        "connection_meta_token",
        "tenant_switches",
        "tenant_usage",
        "queue_depth",
        "outbound_sending",
        "connection_n8n",
        "stuck_automation_runs",
    ]


def test_unknown_codes_and_checks_are_refused_by_validation():
    from django.core.exceptions import ValidationError

    book = Runbook.objects.get(slug="redis-down")
    book.codes = ["NOT_A_CODE"]
    with pytest.raises(ValidationError) as refused:
        book.full_clean()
    assert "Unknown event code(s): NOT_A_CODE" in str(refused.value)


def test_the_error_center_links_each_event_to_its_runbook(admin_client, tenant):
    event = SystemEventFactory(tenant=tenant, code="META_TOKEN_EXPIRED")
    page = admin_client.get(f"/admin/events/systemevent/{event.pk}/change/").content.decode()
    assert "/admin/incidents/runbook/by-slug/whatsapp-outbound/" in page

    response = admin_client.get("/admin/incidents/runbook/by-slug/whatsapp-outbound/")
    book = Runbook.objects.get(slug="whatsapp-outbound")
    assert response.status_code == 302 and response.url == f"/admin/incidents/runbook/{book.pk}/change/"
    assert admin_client.get("/admin/incidents/runbook/by-slug/nope/").status_code == 404


def test_runbooks_are_edited_in_the_admin(admin_client):
    book = Runbook.objects.get(slug="redis-down")
    page = admin_client.get(f"/admin/incidents/runbook/{book.pk}/change/").content.decode()
    assert "Ping Redis and restart it" in page
    listing = admin_client.get("/admin/incidents/runbook/?q=redis").content.decode()
    assert "Redis down" in listing
