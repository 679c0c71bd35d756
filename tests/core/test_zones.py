"""Every time says its zone, and staff see the tenant's local time beside UTC: ticket #7 opened at
08:44 UTC reads "09:44 CET" in Acme's portal and "08:44 UTC (tenant: 09:44 CET)" in the admin."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.urls import reverse

from apps.core import zones
from apps.tickets import services as tickets

OPENED = datetime(2026, 12, 3, 8, 44, tzinfo=UTC)


@pytest.fixture
def berlin_ticket(tenant, people):
    tenant.timezone = "Europe/Berlin"
    tenant.save(update_fields=["timezone"])
    return tickets.create_ticket(
        tenant,
        subject="Guests get no confirmations",
        priority="high",
        requester=people.owner,
        body="Please check.",
        now=OPENED,
    )


@pytest.mark.django_db
def test_the_portal_shows_the_tenants_time_with_its_zone(owner_client, berlin_ticket):
    body = owner_client.get(reverse("tickets:detail", args=[berlin_ticket.pk])).content.decode()

    assert "2026-12-03 09:44 CET" in body and "08:44" not in body


@pytest.mark.django_db
def test_staff_see_utc_and_the_tenants_local_time_on_the_ticket(client, staff, berlin_ticket):
    client.force_login(staff)

    body = client.get(reverse("admin:tickets_ticket_change", args=[berlin_ticket.pk])).content.decode()

    assert "2026-12-03 08:44 UTC (tenant: 09:44 CET)" in body


@pytest.mark.django_db
def test_admin_lists_label_their_times_utc(client, staff, berlin_ticket):
    client.force_login(staff)

    body = client.get(reverse("admin:tickets_ticket_changelist")).content.decode()

    assert " UTC" in body


def test_a_tenant_in_another_day_gets_the_date_and_unnamed_offsets_read_as_utc_offsets():
    auckland, sao_paulo = SimpleNamespace(timezone="Pacific/Auckland"), SimpleNamespace(timezone="America/Sao_Paulo")

    assert (
        zones.with_tenant_time(datetime(2026, 12, 3, 12, 0, tzinfo=UTC), auckland)
        == "2026-12-03 12:00 UTC (tenant: 2026-12-04 01:00 NZDT)"
    )
    assert zones.with_tenant_time(OPENED, sao_paulo) == "2026-12-03 08:44 UTC (tenant: 05:44 UTC-03)"
    assert zones.with_tenant_time(OPENED, SimpleNamespace(timezone="UTC")) == "2026-12-03 08:44 UTC"
    assert zones.when(None) == ""


@pytest.mark.django_db
def test_staff_see_a_tenants_events_in_utc_and_the_tenants_time(client, staff, tenant):
    from apps.events import emit

    tenant.timezone = "Europe/Berlin"
    tenant.save(update_fields=["timezone"])
    event = emit("PMS_SYNC_FAILED", tenant=tenant, message="PMS answered 503", occurred_at=OPENED)
    client.force_login(staff)

    listing = client.get(
        reverse("admin:events_systemevent_changelist") + f"?tenant__id__exact={tenant.pk}"
        "&occurred_at__gte=2026-12-03&occurred_at__lte=2026-12-04"
    ).content.decode()
    page = client.get(reverse("admin:events_systemevent_change", args=[event.pk])).content.decode()

    assert "2026-12-03 08:44:00 UTC (tenant: 09:44 CET)" in page
    assert "2026-12-03 08:44:00 UTC (tenant: 09:44 CET)" in listing
