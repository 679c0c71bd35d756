"""/api/v1/outbound/ with tenant API keys: list with filters, create drafts (body or template),
approve, cancel, retry, process; bad input is a 400 naming the field with nothing written;
another tenant's message is a 404."""

import pytest

from apps.outbound import services
from apps.outbound.models import OutboundMessage, Status
from tests.outbound.conftest import PHONE, contact_wrote

pytestmark = pytest.mark.django_db
URL = "/api/v1/outbound/"


def create(api, **body):
    return api.post(URL, {"channel": "whatsapp_cloud", "to": "+49 151 12345678", **body}, format="json")


def test_create_draft_with_body(tenant_api, tenant, meta):
    response = create(tenant_api, body="Your room is ready.")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["status"], data["to"], data["channel"], data["body"]) == (
        "draft",
        PHONE,
        "whatsapp_cloud",
        "Your room is ready.",
    )
    assert data["created_by_label"].startswith("api-key:") and data["connection"] == str(meta.pk)


def test_create_draft_with_template(tenant_api, meta):
    response = create(tenant_api, template={"name": "order_update", "language": "en_US", "parameters": ["1042"]})
    assert response.status_code == 201
    assert response.json()["template"] == {"name": "order_update", "language": "en_US", "parameters": ["1042"]}


@pytest.mark.parametrize(
    "body, field, text",
    [
        ({"body": ""}, "body", "exactly one"),
        ({"body": "x", "template": {"name": "order_update"}}, "body", "exactly one"),
        ({"channel": "sms", "body": "x"}, "channel", "not a valid choice"),
        ({"to": "call me", "body": "x"}, None, "not a phone number"),
        ({"channel": "telegram", "to": "12345", "body": "x"}, None, "no active Telegram connection"),
        ({"template": {"name": "Order Update!"}}, None, "approved name in lower case"),
        ({"connection": "00000000-0000-0000-0000-000000000000", "body": "x"}, "connection", "No connection"),
    ],
)
def test_bad_input_is_a_400_that_names_the_problem_and_writes_nothing(tenant_api, meta, body, field, text):
    response = create(tenant_api, **body)
    assert response.status_code == 400
    data = response.json()
    assert text in data["detail"]
    if field:
        assert field in data["fields"]
    assert not OutboundMessage.objects.exists()


def test_template_on_telegram_is_refused(tenant_api, telegram):
    response = create(tenant_api, channel="telegram", to="12345", template={"name": "hello"})
    assert response.status_code == 400 and "WhatsApp Cloud API feature" in response.json()["detail"]


def test_approve_queues_and_process_sends(tenant_api, tenant, meta, graph, django_capture_on_commit_callbacks):
    contact_wrote(meta)
    draft = create(tenant_api, body="Hello").json()
    response = tenant_api.post(f"{URL}{draft['id']}/approve/", format="json")
    assert response.status_code == 200 and response.json()["status"] == "queued"
    assert response.json()["preflight"]["code"] == "OK"
    with django_capture_on_commit_callbacks(execute=True):
        result = tenant_api.post(f"{URL}process/").json()
    assert result["due"] == 1
    detail = tenant_api.get(f"{URL}{draft['id']}/").json()
    assert detail["status"] == "sent" and detail["attempt_log"][0]["outcome"] == "success"
    assert "request_summary" not in detail["attempt_log"][0]


def test_approve_shows_the_refusal_and_its_reason(tenant_api, meta):
    draft = create(tenant_api, body="Hello").json()
    data = tenant_api.post(f"{URL}{draft['id']}/approve/").json()
    assert data["status"] == "blocked_policy" and "24-hour" in data["reason"]


def test_cancel_and_illegal_moves(tenant_api, meta):
    draft = create(tenant_api, body="Hello").json()
    assert (
        tenant_api.post(f"{URL}{draft['id']}/cancel/", {"reason": "typo"}, format="json").json()["status"] == "canceled"
    )
    response = tenant_api.post(f"{URL}{draft['id']}/approve/")
    assert response.status_code == 409 and response.json()["error"] == "illegal_transition"
    assert tenant_api.post(f"{URL}{draft['id']}/retry/").status_code == 400


def test_list_filters_by_status_contact_and_channel(tenant_api, tenant, meta, telegram):
    services.create_message(tenant, channel="whatsapp_cloud", to=PHONE, body="a")
    services.create_message(tenant, channel="telegram", to="555", body="b")
    canceled = services.create_message(tenant, channel="telegram", to="556", body="c")
    services.cancel(canceled)
    assert tenant_api.get(URL).json()["count"] == 3
    assert [m["body"] for m in tenant_api.get(URL, {"channel": "telegram", "status": "draft"}).json()["results"]] == [
        "b"
    ]
    assert [m["body"] for m in tenant_api.get(URL, {"contact": PHONE}).json()["results"]] == ["a"]
    assert tenant_api.get(URL, {"status": "canceled"}).json()["results"][0]["last_error"].startswith("Canceled by")


def test_another_tenants_message_is_a_404(tenant_api, other_tenant):
    from tests.isolation import OBJECT_MAKERS

    theirs = OBJECT_MAKERS["message_id"](other_tenant)
    for suffix in ("", "approve/", "cancel/", "retry/"):
        method = "get" if not suffix else "post"
        assert getattr(tenant_api, method)(f"{URL}{theirs}/{suffix}").status_code == 404
    assert tenant_api.get(URL).json()["count"] == 0
    assert OutboundMessage.objects.get(pk=theirs).status == Status.DRAFT


def test_process_only_touches_the_callers_messages(tenant_api, other_tenant, django_capture_on_commit_callbacks):
    from tests.isolation import OBJECT_MAKERS

    theirs = OutboundMessage.objects.get(pk=OBJECT_MAKERS["message_id"](other_tenant))
    services.approve_message(theirs)  # queued for the other tenant, its Telegram is unreachable
    with django_capture_on_commit_callbacks(execute=True):
        assert tenant_api.post(f"{URL}process/").json() == {"due": 0, "released": 0, "stuck_failed": 0}
    theirs.refresh_from_db()
    assert theirs.status == Status.QUEUED and theirs.attempts == 0


def test_requires_a_tenant_key(client, meta):
    assert client.get(URL).status_code in (401, 403)
    assert client.post(URL, {"channel": "whatsapp_cloud", "to": PHONE, "body": "x"}).status_code in (401, 403)
    assert not OutboundMessage.objects.exists()
