"""POST /api/v1/events/ with a body PostgreSQL cannot store or nested past JSON_MAX_DEPTH: a 400
that names the item (the batch is stored all or none, so nothing is stored), never a 500. The
parser is every API view's, so any other endpoint answers the same."""

import pytest

from apps.events.models import SystemEvent

URL = "/api/v1/events/"
DEEP_META = '{"a": ' * 900 + "1" + "}" * 900
POISON = [
    ('"note\\u0000"', "NUL character"),
    ("1e999", "1e999 is not a finite number"),
    (DEEP_META, "deeper than 32 levels"),
    ("[" * 50_000 + "]" * 50_000, "deeper than 32 levels"),
]


@pytest.fixture(autouse=True)
def depth(settings):
    settings.JSON_MAX_DEPTH = 32


def post_raw(api, body: str):
    return api.post(URL, data=body.encode(), content_type="application/json")


@pytest.mark.parametrize("value, problem", POISON)
def test_poison_meta_in_a_batch_names_the_item_and_stores_nothing(tenant_api, value, problem):
    body = f'[{{"code": "JOB_FAILED", "message": "fine"}}, {{"code": "JOB_FAILED", "meta": {{"detail": {value}}}}}]'
    response = post_raw(tenant_api, body)
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid_json"
    assert response.json()["detail"].startswith("events[1].meta")
    assert problem in response.json()["detail"]
    assert not SystemEvent.objects.exists()


@pytest.mark.parametrize("value, problem", POISON)
def test_poison_in_a_single_event_names_the_field(tenant_api, value, problem):
    response = post_raw(tenant_api, f'{{"code": "JOB_FAILED", "meta": {{"detail": {value}}}}}')
    assert response.status_code == 400, response.content
    assert response.json()["detail"].startswith("meta.detail") and problem in response.json()["detail"]
    assert not SystemEvent.objects.exists()


def test_nul_in_the_message_is_a_400(tenant_api):
    response = post_raw(tenant_api, '{"code": "JOB_FAILED", "message": "a\\u0000b"}')
    assert response.status_code == 400 and response.json()["detail"].startswith("message:")
    assert not SystemEvent.objects.exists()


def test_a_body_over_the_upload_limit_is_a_413(tenant_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = post_raw(tenant_api, '{"code": "JOB_FAILED", "message": "' + "x" * 2000 + '"}')
    assert response.status_code == 413 and response.json()["error"] == "too_large"
    assert not SystemEvent.objects.exists()


def test_a_clean_batch_is_still_stored(tenant_api):
    response = post_raw(tenant_api, '[{"code": "JOB_FAILED", "meta": {"detail": {"depth": [1, 2.5]}}}]')
    assert response.status_code == 201 and SystemEvent.objects.count() == 1
