"""Pages say things once, in words: counts without ".0", values without Python reprs, a new code
marked "new" instead of "×24", field labels instead of field names, one heading per page, and an
icon instead of a 404 on every page."""

import re

import pytest
from django.urls import reverse

from apps.core.admin_display import number, readable
from apps.events import emit

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client, staff):
    client.force_login(staff)
    return client


def test_values_and_counts_read_as_words():
    assert readable({"broker_queue": 0, "oldest_pending_s": None}) == "broker queue: 0; oldest pending s: -"
    assert readable({"http_status": 401, "code": 190}) == "http status: 401; code: 190"
    assert readable(12.0) == "12" and readable([1.5, True]) == "1.5, yes"
    assert (number(2.0), number(0.0), number(2.345), number(None)) == (2, 0, 2.35, None)


def test_the_dashboard_counts_without_decimals(operator):
    body = operator.get(reverse("admin:events_dashboard")).content.decode()

    assert "Dead letters, last hour" in body and ">0.0<" not in body


def test_alert_rules_show_thresholds_and_values_as_numbers(operator):
    body = operator.get(reverse("admin:events_alertrule_changelist")).content.decode()

    assert "Message delivery failure rate" in body and ">10.0<" not in body and ">10<" in body


def test_a_code_first_seen_this_hour_is_new_in_the_grouped_view(operator, tenant):
    for _ in range(3):
        emit("PMS_SYNC_FAILED", tenant=tenant, message="PMS answered 503")

    body = operator.get(reverse("admin:events_systemevent_grouped")).content.decode()

    assert '<td class="growth">new</td>' in body and "×24" not in body


def test_fields_are_labelled_in_words(operator, tenant):
    body = operator.get(reverse("admin:tenants_tenant_change", args=[tenant.pk])).content.decode()
    audit = operator.get(reverse("admin:events_auditevent_changelist")).content.decode()

    assert "WhatsApp enabled" in body and "Is whatsapp enabled" not in body
    assert "Actor label" not in audit and "Target label" not in audit


def test_a_confirmation_page_has_one_heading(operator, tenant):
    response = operator.post(
        reverse("admin:tenants_tenant_changelist"), {"action": "disable_whatsapp", "_selected_action": [tenant.pk]}
    )

    assert response.content.decode().count("<h1>Disable WhatsApp</h1>") == 1


def test_every_page_has_an_icon(operator):
    from django.test import Client

    anonymous = Client()
    for page_client, url in ((anonymous, "/login/"), (anonymous, "/status/"), (operator, "/admin/")):
        assert 'rel="icon"' in page_client.get(url).content.decode(), url
    response = anonymous.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("/static/favicon.svg")
    assert anonymous.get("/static/favicon.svg").status_code == 200


def test_an_alert_rules_evaluations_show_values_as_numbers(operator):
    from apps.events.alert_models import AlertRule
    from apps.incidents.services import detection

    rule = AlertRule.objects.get(name="SLA breaches")
    detection.evaluate_alert_rules()

    body = operator.get(reverse("admin:events_alertrule_change", args=[rule.pk])).content.decode()

    cell = re.search(r'field-value_shown">(.*?)</td>', body, re.S)
    assert cell and re.sub(r"<[^>]+>|\s", "", cell.group(1)) == "0"
