"""The comms admin: templates whose bad placeholders are form errors (never a 500 at send time),
subscribers and deliveries with filters and search, and a confirmed retry of a failed e-mail."""

import pytest

from apps.comms.models import Delivery, NoticeTemplate, Subscriber
from apps.core.admin_actions import helpers

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


def template_form(template, **changes):
    return {
        "kind": template.kind,
        "notice": template.notice,
        "subject": template.subject,
        "body": template.body,
        **changes,
    }


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("Hello {customer_name}", "Unknown placeholder {customer_name}"),
        ("Hello {incident_title.__class__}", "Unknown placeholder {incident_title.__class__}"),
        ("Since {started_at!r}", "Write {started_at} plainly"),
        ("Broken {incident_title", "The braces do not match"),
    ],
)
def test_a_bad_placeholder_is_a_form_error(admin_client, body, error):
    template = NoticeTemplate.objects.get(kind="opened")
    url = f"/admin/comms/noticetemplate/{template.pk}/change/"
    answer = admin_client.post(url, template_form(template, body=body))
    assert answer.status_code == 200 and error in answer.content.decode()
    assert NoticeTemplate.objects.get(pk=template.pk).body == template.body


def test_a_good_template_is_saved_and_audited(admin_client):
    template = NoticeTemplate.objects.get(kind="resolved")
    url = f"/admin/comms/noticetemplate/{template.pk}/change/"
    answer = admin_client.post(url, template_form(template, subject="Fixed: {incident_title} ({{braces}})"))
    assert answer.status_code == 302
    assert NoticeTemplate.objects.get(pk=template.pk).subject == "Fixed: {incident_title} ({{braces}})"
    from apps.events.models import AuditEvent

    assert AuditEvent.objects.filter(action="comms.template_saved").exists()


def test_the_lists_render_with_filters_and_search(admin_client):
    Subscriber.objects.create(email="reader@example.test", state="confirmed")
    for path in (
        "/admin/comms/subscriber/?state__exact=confirmed&q=reader",
        "/admin/comms/delivery/?status__exact=failed",
        "/admin/comms/announcement/",
        "/admin/comms/tenantnotice/",
        "/admin/comms/noticetemplate/",
    ):
        assert admin_client.get(path).status_code == 200, path


def test_retrying_a_failed_email_asks_first(admin_client):
    failed = Delivery.objects.create(
        audience="summary", recipient="boss@ops.test", subject="s", body="b", status="failed", error="SMTP 451"
    )
    data = {"action": "retry_the_selected_failed_e_mails", helpers.ACTION_CHECKBOX_NAME: [failed.pk]}
    page = admin_client.post("/admin/comms/delivery/", data)
    assert page.status_code == 200 and b"Yes, do it" in page.content
    assert Delivery.objects.get(pk=failed.pk).status == "failed"

    admin_client.post("/admin/comms/delivery/", {**data, "confirm": "yes"})
    delivery = Delivery.objects.get(pk=failed.pk)
    assert delivery.error == "" and delivery.status in ("queued", "sent")


def test_the_incident_page_links_to_its_communications(admin_client, staff, tenant, django_capture_on_commit_callbacks):
    from tests.incidents.factories import make_incident

    with django_capture_on_commit_callbacks(execute=True):
        incident = make_incident(staff, tenants=[tenant])
    other = make_incident(staff, title="Another one")
    page = admin_client.get(f"/admin/incidents/incident/{incident.pk}/change/").content.decode()
    for link in (
        f"/admin/comms/announcement/?incident__id__exact={incident.pk}",
        f"/admin/comms/delivery/?announcement__incident__id__exact={incident.pk}",
        f"/admin/comms/tenantnotice/?incident__id__exact={incident.pk}",
    ):
        assert link in page
        assert admin_client.get(link).status_code == 200
    notices = admin_client.get(f"/admin/comms/tenantnotice/?incident__id__exact={other.pk}").content.decode()
    assert "0 tenant notices" in notices or "0 results" in notices


def test_an_operator_unsubscribes_an_address_after_confirming(admin_client):
    subscriber = Subscriber.objects.create(email="reader@example.test", state="confirmed")
    data = {"action": "unsubscribe_the_selected_addresses", helpers.ACTION_CHECKBOX_NAME: [subscriber.pk]}
    assert b"Yes, do it" in admin_client.post("/admin/comms/subscriber/", data).content
    admin_client.post("/admin/comms/subscriber/", {**data, "confirm": "yes"})
    assert Subscriber.objects.get(pk=subscriber.pk).state == "unsubscribed"
