"""The ticket reports page and CSV cover the last `?weeks=` weeks, or the days from `?start=` to
`?end=` that an incident's SLA review links; days that are not valid are said on the page and the
default weeks are shown instead, never an error page."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.tickets import services
from apps.tickets.models import SlaPolicy
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db
PAGE, CSV = "/admin/tickets/ticket/reports/", "/admin/tickets/ticket/reports.csv"


@pytest.fixture
def answered(tenant, staff):
    """An urgent ticket answered 20 days ago and a low one answered 5 days ago."""
    SlaPolicy.objects.filter(plan=None).update(business_hours=False)
    now = timezone.now()
    for priority, days_ago in (("urgent", 20), ("low", 5)):
        ticket = make_ticket(tenant, priority=priority, now=now - timedelta(days=days_ago, hours=1))
        services.reply(ticket, "on it", actor=staff, now=now - timedelta(days=days_ago))
    return now


def day(moment):
    return f"{timezone.localtime(moment):%Y-%m-%d}"


def priorities(response):
    rows = csv.DictReader(io.StringIO(response.content.decode()))
    return sorted(row["group"] for row in rows if row["dimension"] == "priority")


def test_the_days_of_a_window_show_only_what_happened_on_them(agent_client, answered):
    window = {"start": day(answered - timedelta(days=21)), "end": day(answered - timedelta(days=19))}
    response = agent_client.get(PAGE, window)
    page = response.content.decode()

    assert response.status_code == 200
    assert f"{window['start']} to {window['end']}" in page and "urgent" in page and ">low<" not in page
    assert f'value="{window["start"]}"' in page and 'class="error"' not in page
    assert f"start={window['start']}&amp;end={window['end']}" in page, "the CSV link keeps the window"
    assert priorities(agent_client.get(CSV, window)) == ["urgent"]


def test_the_last_day_of_a_window_counts_whole(agent_client, answered):
    window = {"start": day(answered - timedelta(days=30)), "end": day(answered - timedelta(days=5))}
    assert priorities(agent_client.get(CSV, window)) == ["low", "urgent"]


@pytest.mark.parametrize(
    "query, problem",
    [
        ({"start": "2026-13-01", "end": "2026-12-01"}, "start day must be a date written YYYY-MM-DD"),
        ({"start": "yesterday", "end": "today"}, "end day must be a date written YYYY-MM-DD"),
        ({"start": "2026-11-01"}, "Give the report&#x27;s end day as well"),
        ({"end": "2026-11-01"}, "Give the report&#x27;s start day as well"),
        ({"start": "2026-11-10", "end": "2026-11-01"}, "end day 2026-11-01 comes before its start day 2026-11-10"),
        ({"start": "2024-01-01", "end": "2026-11-01"}, "A report covers at most 366 days"),
        ({"start": "9999-12-30", "end": "9999-12-31"}, "must fall in the years 2000 to 2099"),
        ({"start": "0001-01-01", "end": "0001-01-02"}, "must fall in the years 2000 to 2099"),
    ],
)
def test_days_that_are_not_valid_are_said_and_the_default_weeks_shown(agent_client, answered, query, problem):
    response = agent_client.get(PAGE, query)
    page = response.content.decode()

    assert response.status_code == 200
    assert 'class="error"' in page and problem in page and "Showing the last 8 weeks instead." in page
    assert "last 8 weeks" in page and "urgent" in page and "low" in page
    assert priorities(agent_client.get(CSV, query)) == ["low", "urgent"]


def test_weeks_still_choose_the_window(agent_client, answered):
    page = agent_client.get(PAGE, {"weeks": "1"}).content.decode()
    assert "last 1 week<" in page and "urgent" not in page.split("By priority")[1]
