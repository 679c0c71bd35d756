"""`GET /api/v1/ai/models` and `/models/<id>` list, in OpenAI's shapes, the models the tenant can
ask the gateway for: each configured provider's default model and price-table rows and the
tenant's AI bots' models, owned by the provider that answers them. Any other path under
/api/v1/ai/ is a 404 in OpenAI's error shape."""

from decimal import Decimal

import pytest

from apps.ai.models import ModelPrice
from apps.integrations.models import Bot

pytestmark = pytest.mark.django_db
URL = "/api/v1/ai/models"


@pytest.fixture
def prices(db):
    ModelPrice.objects.all().delete()
    for provider, model in [("openai", "gpt-4.1"), ("openrouter", "anthropic/claude-3.5-haiku")]:
        ModelPrice.objects.create(
            provider=provider, model=model, prompt_usd_per_million=Decimal(1), completion_usd_per_million=Decimal(2)
        )


@pytest.fixture
def bots(tenant, other_tenant):
    Bot.objects.create(tenant=tenant, name="Concierge", mode=Bot.Mode.AI, model="mistralai/mistral-small")
    Bot.objects.create(tenant=tenant, name="Sales", mode=Bot.Mode.AI, model="openai/gpt-4.1-mini")
    Bot.objects.create(tenant=tenant, name="Flows", mode=Bot.Mode.N8N, model="n8n/not-a-gateway-model")
    Bot.objects.create(tenant=other_tenant, name="Theirs", mode=Bot.Mode.AI, model="x-ai/grok-3")


def listed(api) -> dict:
    response = api.get(URL)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["object"] == "list"
    return {model["id"]: model for model in body["data"]}


def test_every_model_a_configured_provider_takes_is_listed_in_openais_shape(
    tenant_api, openrouter, openai, prices, bots, settings
):
    models = listed(tenant_api)

    assert models["openai/gpt-4o-mini"] == {
        "id": "openai/gpt-4o-mini",
        "object": "model",
        "created": 0,
        "owned_by": "openrouter",
    }
    assert {name: model["owned_by"] for name, model in models.items()} == {
        settings.OPENROUTER_MODEL: "openrouter",
        settings.OPENAI_MODEL: "openrouter",  # OpenRouter answers a bare OpenAI name first (openai/…)
        "gpt-4.1": "openrouter",
        "anthropic/claude-3.5-haiku": "openrouter",
        "mistralai/mistral-small": "openrouter",
        "openai/gpt-4.1-mini": "openrouter",
    }


def test_with_openai_alone_only_what_openai_takes_is_listed(tenant_api, openai, prices, bots, settings):
    settings.OPENROUTER_API_KEY = ""

    models = listed(tenant_api)

    assert {name: model["owned_by"] for name, model in models.items()} == {
        "gpt-4o-mini": "openai",
        "gpt-4.1": "openai",
        "openai/gpt-4.1-mini": "openai",
    }


def test_only_the_mock_is_listed_when_only_the_mock_answers(tenant_api, openrouter, openai, prices, chain_from):
    chain_from("mock")
    assert {name: model["owned_by"] for name, model in listed(tenant_api).items()} == {"mock": "opsdesk"}


def test_only_the_mock_is_listed_with_no_provider_key(tenant_api, no_provider_keys, prices, bots):
    assert {name: model["owned_by"] for name, model in listed(tenant_api).items()} == {"mock": "opsdesk"}
    assert tenant_api.get(f"{URL}/mock").json()["owned_by"] == "opsdesk"


def test_a_model_is_retrieved_by_an_id_with_slashes(tenant_api, openrouter, bots):
    response = tenant_api.get(f"{URL}/mistralai/mistral-small")

    assert response.status_code == 200
    assert response.json() == {
        "id": "mistralai/mistral-small",
        "object": "model",
        "created": 0,
        "owned_by": "openrouter",
    }


@pytest.mark.parametrize("model", ["x-ai/grok-3", "n8n/not-a-gateway-model", "gpt-5-imaginary"])
def test_a_model_not_offered_is_openais_model_not_found(tenant_api, openai, bots, settings, model):
    settings.OPENROUTER_API_KEY = ""

    response = tenant_api.get(f"{URL}/{model}")

    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "message": f"The model `{model}` does not exist or you do not have access to it.",
            "type": "invalid_request_error",
            "param": "model",
            "code": "model_not_found",
        }
    }


def test_the_models_need_the_tenants_key(client):
    response = client.get(URL, HTTP_AUTHORIZATION="Bearer odk_abc_wrong")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"


def test_a_wrong_method_is_a_405_in_openais_shape(tenant_api):
    for response in (
        tenant_api.post(URL),
        tenant_api.delete(f"{URL}/gpt-4o-mini"),
        tenant_api.get(f"{URL[:-6]}chat/completions"),
    ):
        assert response.status_code == 405
        assert response["Content-Type"] == "application/json"
        assert response.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/v1/ai/"), ("get", "/api/v1/ai/embeddings"), ("post", "/api/v1/ai/responses"), ("get", f"{URL}/")],
)
def test_any_other_path_under_the_ai_api_is_a_json_404(tenant_api, client, method, path):
    for caller in (tenant_api, client):
        response = getattr(caller, method)(path)

        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {
            "error": {
                "message": f"Invalid URL ({method.upper()} {path})",
                "type": "invalid_request_error",
                "param": None,
                "code": "unknown_url",
            }
        }
