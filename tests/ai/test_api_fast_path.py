"""A tenant key posting JSON (n8n, the OpenAI SDKs) is answered without DRF's request machinery
(apps/ai/fast_path.py); everything else goes through DRF. Both paths answer alike: same body shape,
same headers, same row, the same tenant on the request for whatever runs after the view."""

import json

import pytest

from apps.ai import fast_path
from apps.ai.models import AIRequest, Outcome

pytestmark = pytest.mark.django_db
URL = "/api/v1/ai/chat/completions"
BODY = json.dumps({"messages": [{"role": "user", "content": "Is breakfast included?"}]})


def test_a_tenant_key_and_a_logged_in_member_get_the_same_answer(tenant_api, owner_client, openrouter, openai):
    fast = tenant_api.post(URL, data=BODY, content_type="application/json")
    through_drf = owner_client.post(URL, data=BODY, content_type="application/json")

    assert fast.status_code == through_drf.status_code == 200
    assert fast["Allow"] == through_drf["Allow"] and fast.get("Vary") == through_drf.get("Vary")
    assert fast.json().keys() == through_drf.json().keys()
    assert fast.json()["choices"] == through_drf.json()["choices"]
    assert list(AIRequest.objects.values_list("outcome", flat=True)) == [Outcome.ANSWERED, Outcome.ANSWERED]


def test_the_fast_path_takes_only_a_tenant_key_posting_json_within_the_limit(rf, tenant, settings):
    from apps.accounts import services as key_services

    _, key = key_services.issue_tenant_key(tenant, name="n8n")
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    admitted = fast_path.admitted(rf.post(URL, data=BODY, content_type="application/json; charset=utf-8", **bearer))
    assert admitted is not None and admitted.principal.tenant == tenant and admitted.data["messages"]
    assert admitted.known.policy.ai_enabled == tenant.is_ai_enabled  # read with the key, in one statement

    assert fast_path.admitted(rf.post(URL, data=BODY, content_type="application/json")) is None
    assert fast_path.admitted(rf.post(URL, data={"messages": "hi"}, **bearer)) is None
    assert fast_path.admitted(rf.post(URL, data='{"messages": [', content_type="application/json", **bearer)) is None
    wrong = {"HTTP_AUTHORIZATION": "Bearer odk_abc_not-a-real-key"}
    assert fast_path.admitted(rf.post(URL, data=BODY, content_type="application/json", **wrong)) is None
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    assert fast_path.admitted(rf.post(URL, data=BODY, content_type="application/json", **bearer)) is None


def test_an_operator_key_is_left_to_drf(rf, staff):
    from apps.accounts import services as key_services

    _, key = key_services.issue_operator_key(staff.username, name="ops")
    request = rf.post(URL, data=BODY, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert fast_path.admitted(request) is None


def test_a_tenant_in_a_zone_postgresql_does_not_know_is_still_answered(tenant, tenant_api, openrouter):
    """The one-statement read computes the tenant's today in SQL; a zone name PostgreSQL rejects
    (Python falls back to UTC for it) makes the fast path read the key alone, and the gateway then
    reads the snapshot with the zone from Python."""
    from apps.accounts import services as key_services
    from apps.tenants import usage
    from apps.tenants.models import Tenant, UsageCounter

    usage.increment_many(tenant, {UsageCounter.Metric.AI_REQUESTS: 1})  # so the zone is needed
    Tenant.objects.filter(pk=tenant.pk).update(timezone="Mars/Olympus_Mons")
    _, key = key_services.issue_tenant_key(tenant, name="n8n")
    found = fast_path.key_and_snapshot(key)
    assert found[0].tenant_id == tenant.pk and found[1] is None  # read apart
    answer = tenant_api.post(URL, data=BODY, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["provider"] == "openrouter"
    assert AIRequest.objects.get(pk=answer.json()["opsdesk"]["request_id"]).outcome == Outcome.ANSWERED


def test_a_wrong_secret_behind_a_real_prefix_is_refused(tenant):
    from apps.accounts import keys
    from apps.accounts import services as key_services

    _, key = key_services.issue_tenant_key(tenant, name="n8n")
    forged = f"{keys.KEY_PREFIX}_{keys.prefix_of(key)}_not-the-secret"
    assert fast_path.key_and_snapshot(forged) is None
