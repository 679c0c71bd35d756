from datetime import timedelta

import pytest
from django.utils import timezone

from apps.events import emit
from apps.events.models import SystemEvent

URL = "/api/v1/events/"


def post(api, body, **headers):
    return api.post(URL, body, format="json", **headers)


def test_tenant_key_stores_one_event_with_catalog_level_and_category(tenant_api, tenant):
    response = post(
        tenant_api,
        {"code": "META_SEND_FAIL", "message": "Send failed", "meta": {"wamid": "x"}},
        HTTP_X_REQUEST_ID="req-123",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["stored"] == 1
    event = SystemEvent.objects.get(pk=body["ids"][0])
    assert (event.tenant, event.level, event.category) == (tenant, "error", "whatsapp_outbound")
    assert event.correlation_id == "req-123" and event.meta["correlation_id"] == "req-123"
    assert event.meta["wamid"] == "x"


def test_batch_is_stored_with_per_event_correlation_ids(tenant_api, tenant):
    batch = [
        {"code": "N8N_TIMEOUT", "message": "slow", "correlation_id": "run-1"},
        {"code": "MESSAGE_LIMIT_EXCEEDED", "source": "billing"},
    ]
    response = post(tenant_api, batch)
    assert response.status_code == 201
    assert response.json()["stored"] == 2
    events = SystemEvent.objects.filter(pk__in=response.json()["ids"]).order_by("code")
    limit, timeout = events
    assert (limit.level, limit.category, limit.source) == ("warning", "limits", "billing")
    assert timeout.correlation_id == "run-1" and timeout.meta["correlation_id"] == "run-1"
    assert all(event.tenant == tenant for event in events)


def test_batch_with_one_unknown_code_stores_nothing_and_names_the_index(tenant_api):
    batch = [{"code": "N8N_TIMEOUT"}, {"code": "NOT_A_CODE"}, {"code": "JOB_FAILED"}]
    response = post(tenant_api, batch)
    assert response.status_code == 400
    assert "events[1].code" in response.json()["fields"]
    assert not SystemEvent.objects.exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"message": "no code"}, "code"),
        ({"code": "JOB_FAILED", "meta": ["not", "an", "object"]}, "meta"),
        ({"code": "JOB_FAILED", "occurred_at": "yesterday-ish"}, "occurred_at"),
        ([{"code": "JOB_FAILED"}, {"code": "JOB_FAILED", "meta": "text"}], "events[1].meta"),
        ({"code": "JOB_FAILED", "correlation_id": "x" * 129}, "correlation_id"),
    ],
)
def test_invalid_event_is_refused_naming_the_field(tenant_api, body, field):
    response = post(tenant_api, body)
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not SystemEvent.objects.exists()


def test_occurred_at_far_in_the_future_is_refused(tenant_api):
    later = (timezone.now() + timedelta(minutes=10)).isoformat()
    response = post(tenant_api, {"code": "JOB_FAILED", "occurred_at": later})
    assert response.status_code == 400 and "occurred_at" in response.json()["fields"]


def test_occurred_at_is_kept_when_given(tenant_api):
    earlier = timezone.now() - timedelta(hours=3)
    response = post(tenant_api, {"code": "JOB_FAILED", "occurred_at": earlier.isoformat()})
    assert SystemEvent.objects.get(pk=response.json()["ids"][0]).occurred_at == earlier


def test_more_than_a_thousand_events_are_refused_saying_the_limit(tenant_api):
    response = post(tenant_api, [{"code": "JOB_FAILED"}] * 1001)
    assert response.status_code == 400
    assert "1000" in response.json()["fields"]["events"]
    assert not SystemEvent.objects.exists()


def test_tenant_key_cannot_write_another_tenants_events(tenant_api, other_tenant):
    response = post(tenant_api, {"code": "JOB_FAILED", "tenant": other_tenant.slug})
    assert response.status_code == 400
    assert "own tenant" in response.json()["fields"]["tenant"]
    assert not SystemEvent.objects.filter(tenant=other_tenant).exists()


def test_tenant_key_may_name_its_own_tenant(tenant_api, tenant):
    response = post(tenant_api, {"code": "JOB_FAILED", "tenant": tenant.slug})
    assert response.status_code == 201
    assert SystemEvent.objects.get().tenant == tenant


def test_operator_key_writes_for_any_tenant_or_platform(operator_api, other_tenant):
    response = post(
        operator_api, [{"code": "JOB_FAILED", "tenant": other_tenant.slug}, {"code": "HEALTH_CHECK_FAILED"}]
    )
    assert response.status_code == 201
    tenants = {event.code: event.tenant for event in SystemEvent.objects.all()}
    assert tenants == {"JOB_FAILED": other_tenant, "HEALTH_CHECK_FAILED": None}


def test_operator_naming_an_unknown_tenant_is_refused(operator_api):
    response = post(operator_api, {"code": "JOB_FAILED", "tenant": "nobody"})
    assert response.status_code == 400 and "tenant" in response.json()["fields"]


def test_secrets_in_meta_are_redacted(tenant_api):
    post(tenant_api, {"code": "JOB_FAILED", "meta": {"api_key": "sk-live-123", "nested": {"password": "p"}}})
    meta = SystemEvent.objects.get().meta
    assert meta["api_key"] == "[redacted]" and meta["nested"]["password"] == "[redacted]"


@pytest.mark.parametrize("method", ["get", "post"])
def test_no_key_is_refused(client, db, method):
    response = getattr(client, method)(URL, {}, content_type="application/json")
    assert response.status_code in (401, 403)
    assert not SystemEvent.objects.exists()


def test_tenant_key_lists_only_its_own_events_newest_first_without_meta(tenant_api, tenant, other_tenant):
    emit(
        "JOB_FAILED",
        tenant=tenant,
        message="older",
        meta={"internal": "host-7"},
        occurred_at=timezone.now() - timedelta(hours=1),
    )
    emit("N8N_TIMEOUT", tenant=tenant, message="newer")
    emit("JOB_FAILED", tenant=other_tenant, message="theirs")
    results = tenant_api.get(URL).json()["results"]
    assert [row["message"] for row in results] == ["newer", "older"]
    assert all("meta" not in row for row in results)
    assert "host-7" not in str(results)


def test_list_filters_by_code_category_level_and_since(tenant_api, tenant):
    emit("JOB_FAILED", tenant=tenant, message="old", occurred_at=timezone.now() - timedelta(days=2))
    emit("MESSAGE_LIMIT_EXCEEDED", tenant=tenant, message="limit")
    emit("N8N_TIMEOUT", tenant=tenant, message="n8n")

    def messages(**params):
        return [row["message"] for row in tenant_api.get(URL, params).json()["results"]]

    assert messages(code="JOB_FAILED") == ["old"]
    assert messages(category="limits") == ["limit"]
    assert messages(level="error") == ["n8n", "old"]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert sorted(messages(since=since)) == ["limit", "n8n"]


def test_bad_since_is_a_400_naming_it(tenant_api):
    response = tenant_api.get(URL, {"since": "last tuesday"})
    assert response.status_code == 400 and "since" in response.json()["fields"]


def test_operator_key_lists_meta_and_tenant(operator_api, tenant):
    emit("JOB_FAILED", tenant=tenant, meta={"host": "worker-2"})
    row = operator_api.get(URL, {"tenant": tenant.slug}).json()["results"][0]
    assert row["meta"]["host"] == "worker-2" and row["tenant"] == tenant.slug


def test_api_schema_still_generates(client, db):
    assert client.get("/api/schema/").status_code == 200


def test_a_stored_batch_comes_back_as_rows_with_their_ids_meta_and_times(db, tenant):
    from apps.events.ingest import store_batch

    stored = store_batch(
        [
            {"code": "WAHA_SESSION_DOWN", "tenant": tenant, "message": "session 1 down", "meta": {"attempt": 1}},
            {
                "code": "N8N_TIMEOUT",
                "tenant": tenant,
                "message": "workflow 7 timed out",
                "meta": {"nested": {"a": [1]}},
            },
        ]
    )
    rows = {row.pk: row for row in SystemEvent.objects.filter(pk__in=[event.pk for event in stored])}
    assert len(rows) == 2 and all(event.pk in rows for event in stored)
    assert rows[stored[1].pk].meta["nested"] == {"a": [1]} and rows[stored[0].pk].meta["attempt"] == 1
    assert rows[stored[0].pk].fingerprint == stored[0].fingerprint and rows[stored[0].pk].created_at is not None
    assert SystemEvent.objects.create(
        code="N8N_TIMEOUT", level="error", category="n8n", occurred_at=timezone.now()
    ).pk > max(rows)
