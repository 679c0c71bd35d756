"""`GET /api/v1/ai/models` and `GET /api/v1/ai/models/<id>`: OpenAI's models API, so an OpenAI
SDK's `models.list()` and n8n's model dropdown see what the tenant can ask the gateway for.

The models offered are those a provider the gateway would call takes by name: the providers of the
chain from `SystemSettings.default_ai_provider` that have a key, each one's default model
(OPENROUTER_MODEL, OPENAI_MODEL) and its rows of the price table, and the models of the tenant's AI
bots. `owned_by` is the provider that answers that id while it is healthy (the first of the chain
that takes it: `chain.model_for`). `created` is 0: Opsdesk does not know when a provider created a
model. An id may contain slashes (`openai/gpt-4o-mini`). While only the mock answers (no key set,
or the kill switch), the list is the one model every answer then names, `mock`, so a dropdown is
never empty and says why."""

from dataclasses import asdict, dataclass

from django.http import JsonResponse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers

from apps.ai import chain
from apps.ai.api import OPENAI_ERROR, OpenAIStyleView, error_response
from apps.ai.models import ModelPrice
from apps.ai.providers import get_provider
from apps.integrations.models import Bot
from apps.tenants.models import SystemSettings

UNKNOWN_CREATED = 0
MOCK_OWNER = "opsdesk"


@dataclass(frozen=True)
class OfferedModel:
    id: str
    owned_by: str
    created: int = UNKNOWN_CREATED
    object: str = "model"


def offered(tenant) -> dict[str, OfferedModel]:
    """{id: OfferedModel} in the order a dropdown shows them: defaults, price table, bots."""
    serving = serving_providers()
    if not serving:
        return {chain.MOCK: OfferedModel(chain.MOCK, MOCK_OWNER)}
    found: dict[str, OfferedModel] = {}
    for name in candidates(tenant, serving):
        owner = next((provider for provider in serving if chain.model_for(provider, name)), None)
        if owner and name not in found:
            found[name] = OfferedModel(name, owner)
    return found


def serving_providers() -> list[str]:
    start = SystemSettings.load().default_ai_provider
    return [name for name in chain.providers_from(start) if name != chain.MOCK and get_provider(name).configured]


def candidates(tenant, serving):
    yield from (get_provider(name).default_model for name in serving)
    yield from ModelPrice.objects.filter(provider__in=serving).values_list("model", flat=True)
    bots = Bot.objects.for_tenant(tenant).filter(mode=Bot.Mode.AI).exclude(model="")
    yield from bots.order_by("model").values_list("model", flat=True)


MODEL = inline_serializer(
    "Model",
    {
        "id": serializers.CharField(help_text="The name to send as `model`, e.g. openai/gpt-4o-mini."),
        "object": serializers.CharField(help_text="model"),
        "created": serializers.IntegerField(help_text="0: not known."),
        "owned_by": serializers.CharField(help_text="The provider that answers it: openrouter or openai."),
    },
)
MODEL_LIST = inline_serializer(
    "ModelList", {"object": serializers.CharField(help_text="list"), "data": serializers.ListField(child=MODEL)}
)


class ModelList(OpenAIStyleView):
    @extend_schema(
        operation_id="v1_ai_models_list",
        summary="Models the gateway offers (OpenAI-compatible)",
        responses={200: MODEL_LIST, 401: OPENAI_ERROR},
    )
    def get(self, request):
        data = [asdict(model) for model in offered(request.tenant).values()]
        return JsonResponse({"object": "list", "data": data})


class ModelDetail(OpenAIStyleView):
    @extend_schema(
        operation_id="v1_ai_models_retrieve",
        summary="One model the gateway offers (OpenAI-compatible)",
        responses={200: MODEL, 401: OPENAI_ERROR, 404: OPENAI_ERROR},
    )
    def get(self, request, model):
        found = offered(request.tenant).get(model)
        if found is None:
            return model_not_found(model)
        return JsonResponse(asdict(found))


def model_not_found(model) -> JsonResponse:
    message = f"The model `{model}` does not exist or you do not have access to it."
    return error_response(404, "model_not_found", message, param="model", error_type="invalid_request_error")
