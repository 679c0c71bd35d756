"""`POST /api/v1/ai/chat/completions`: OpenAI's chat completions API in front of the gateway.

Same request and response shapes as OpenAI's, so an OpenAI SDK or n8n's OpenAI node works by
changing its base URL to `…/api/v1/ai` and using a tenant API key. The answer adds `provider` (who
answered) and `opsdesk` (`request_id`, `fallback`). Every error, ours or DRF's (authentication,
role, unreadable body), has OpenAI's shape `{"error": {"message", "type", "param", "code"}}`;
refusals a retry cannot fix carry `x-should-retry: false`, which OpenAI's SDKs obey."""

import time

from django.http import JsonResponse
from django.utils.cache import patch_vary_headers
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.views import APIView

from apps.ai import fast_path, refusals, services, validation
from apps.ai.models import Feature, Outcome
from apps.core.parsers import SafeJSONParser
from apps.tenants.api import tenant_may

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
}
REFUSALS = {  # Completion.code → (status, OpenAI-style code)
    "AI_DISABLED_TENANT": (403, "ai_disabled"),
    "TENANT_SUSPENDED": (403, "tenant_suspended"),
    "AI_DAILY_LIMIT_EXCEEDED": (429, "ai_limit_reached"),
    "AI_MONTHLY_LIMIT_EXCEEDED": (429, "ai_limit_reached"),
    "AI_GUARDRAIL_VIOLATION": (400, "guardrail_violation"),
    "AI_ABUSE_THROTTLED": (429, "ai_throttled"),
    "AI_PROVIDER_REJECTED_REQUEST": (400, "provider_rejected_request"),
}
REFUSED_OUTCOMES = {
    Outcome.REFUSED_POLICY: (403, "ai_disabled"),
    Outcome.REFUSED_GUARDRAIL: (400, "guardrail_violation"),
    Outcome.THROTTLED: (429, "ai_throttled"),
    Outcome.INVALID: (400, "invalid_request"),
}


def error_response(status, code, message, *, param=None, headers=None, error_type=None) -> JsonResponse:
    body = {
        "error": {
            "message": message,
            "type": error_type or ERROR_TYPES.get(status, "invalid_request_error"),
            "param": param,
            "code": code,
        }
    }
    return JsonResponse(body, status=status, headers=headers)


def exception_handler(exc, context):
    """DRF's own refusals (401, 403, 405, 413, 415, unreadable JSON) in OpenAI's error shape."""
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {"WWW-Authenticate": exc.auth_header} if getattr(exc, "auth_header", None) else None
    code = "invalid_api_key" if exc.status_code == 401 else exc.get_codes()
    return error_response(
        exc.status_code, code if isinstance(code, str) else "invalid", str(exc.detail), headers=headers
    )


@csrf_exempt
def unknown_url(request, rest=""):
    """Any other path under /api/v1/ai/, whatever the method or key: a 404 in OpenAI's error shape
    (as OpenAI answers an unknown URL), not Django's HTML page. Like the 405 of a method a view
    does not take, it is answered before any key is checked: it says nothing about the caller."""
    message = f"Invalid URL ({request.method} {request.path})"
    return error_response(404, "unknown_url", message, error_type="invalid_request_error")


def completion_body(completion) -> dict:
    return {
        "id": f"chatcmpl-opsdesk-{completion.request_id}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": completion.model,
        "choices": [
            {
                "index": 0,
                "message": answer_message(completion),
                "logprobs": None,
                "finish_reason": finish_reason(completion),
            }
        ],
        "usage": {
            "prompt_tokens": completion.prompt_tokens or 0,
            "completion_tokens": completion.completion_tokens or 0,
            "total_tokens": (completion.prompt_tokens or 0) + (completion.completion_tokens or 0),
        },
        "system_fingerprint": None,
        "provider": completion.provider,
        "opsdesk": {"request_id": completion.request_id, "fallback": completion.fallback},
    }


def answer_message(completion) -> dict:
    """A model's refusal goes in `refusal` with `content: null`, as OpenAI sends it."""
    if completion.refused_by_model:
        return {"role": "assistant", "content": None, "refusal": completion.text}
    return {"role": "assistant", "content": completion.text, "refusal": None}


def finish_reason(completion) -> str:
    return "content_filter" if completion.outcome == Outcome.BLOCKED_OUTPUT else completion.finish_reason


def refusal_response(completion) -> JsonResponse:
    status, code = REFUSALS.get(completion.code) or REFUSED_OUTCOMES[completion.outcome]
    headers = {"x-should-retry": "false"}
    if completion.retry_after_s:
        headers["Retry-After"] = str(completion.retry_after_s)
    return error_response(status, code, completion.message or "The request was refused.", headers=headers)


def completion_response(completion) -> JsonResponse:
    if completion.outcome in REFUSED_OUTCOMES:
        return refusal_response(completion)
    return JsonResponse(completion_body(completion))


def after_response(response, work):
    """`work` runs in the response's close(), which the WSGI server calls once the last byte went
    out (Django's test client calls it too): the caller does not wait for it."""
    response._resource_closers.append(work)
    return response


def with_headers(response, headers):
    """The headers DRF's `finalize_response` adds to every answer (Allow; Vary when it negotiates)."""
    for name, value in headers.items():
        if name == "Vary":
            patch_vary_headers(response, [value])
        else:
            response[name] = value
    return response


MESSAGE = inline_serializer(
    "ChatMessage",
    {
        "role": serializers.CharField(help_text="system, developer (= system), user or assistant"),
        "content": serializers.CharField(help_text="Text, or a list of {type: text, text} parts."),
    },
)
CHAT_REQUEST = inline_serializer(
    "ChatCompletionRequest",
    {
        "model": serializers.CharField(required=False, help_text="Empty: the provider's default model."),
        "messages": serializers.ListField(child=MESSAGE),
        "max_tokens": serializers.IntegerField(required=False),
        "max_completion_tokens": serializers.IntegerField(required=False),
        "temperature": serializers.FloatField(required=False),
        "top_p": serializers.FloatField(required=False),
        "frequency_penalty": serializers.FloatField(required=False),
        "presence_penalty": serializers.FloatField(required=False),
        "stop": serializers.JSONField(required=False, help_text="A string or up to 4 strings."),
        "seed": serializers.IntegerField(required=False),
        "response_format": serializers.DictField(required=False, help_text="type: text, json_object or json_schema"),
        "user": serializers.CharField(required=False),
        "stream": serializers.BooleanField(required=False, help_text="Only false: streaming is not offered."),
    },
)
CHAT_COMPLETION = inline_serializer(
    "ChatCompletion",
    {
        "id": serializers.CharField(),
        "object": serializers.CharField(help_text="chat.completion"),
        "created": serializers.IntegerField(),
        "model": serializers.CharField(),
        "choices": serializers.ListField(child=serializers.DictField()),
        "usage": serializers.DictField(child=serializers.IntegerField()),
        "provider": serializers.CharField(help_text="Who answered: openrouter, openai or mock."),
        "opsdesk": serializers.DictField(help_text="request_id (the AI request) and fallback (bool)."),
    },
)
OPENAI_ERROR = inline_serializer(
    "OpenAIError", {"error": serializers.DictField(help_text="message, type, param, code")}
)


class OpenAIStyleView(APIView):
    """A tenant-key endpoint of the AI API whose every error has OpenAI's shape."""

    permission_classes = [tenant_may("ai.complete")]

    def get_exception_handler(self):
        return exception_handler


@extend_schema(
    summary="Chat completions (OpenAI-compatible)",
    request=CHAT_REQUEST,
    responses={200: CHAT_COMPLETION, 400: OPENAI_ERROR, 401: OPENAI_ERROR, 403: OPENAI_ERROR, 429: OPENAI_ERROR},
)
class ChatCompletions(APIView):
    """OpenAI-compatible chat completions for the tenant behind the API key."""

    permission_classes = [tenant_may("ai.complete")]
    parser_classes = [SafeJSONParser]

    def get_exception_handler(self):
        return exception_handler

    def dispatch(self, request, *args, **kwargs):
        """A tenant key posting JSON takes the fast path (apps/ai/fast_path.py); DRF handles the rest."""
        admitted = fast_path.admitted(request)
        if admitted is None:
            return super().dispatch(request, *args, **kwargs)
        self.request, self.args, self.kwargs = request, args, kwargs
        return with_headers(self.answer(request.tenant, admitted.data, admitted.known), self.default_response_headers)

    def post(self, request):
        try:
            data = request.data
        except exceptions.APIException as exc:
            return self.unreadable(exc)
        return self.answer(request.tenant, data)

    def answer(self, tenant, data, known=None):
        try:
            chat = validation.parse(data)
        except validation.InvalidRequest as exc:
            return self.invalid(exc.code, exc.message, exc.param)
        except exceptions.APIException as exc:
            return self.unreadable(exc)
        completion = services.complete(
            tenant,
            Feature.API,
            chat.messages,
            model=chat.model,
            max_tokens=chat.max_tokens,
            temperature=chat.temperature,
            options=chat.options,
            defer_record=True,
            known=known,
        )
        return after_response(completion_response(completion), completion.finish)

    def unreadable(self, exc) -> JsonResponse:
        return self.invalid(exc.get_codes() if isinstance(exc.get_codes(), str) else "invalid", str(exc.detail))

    def invalid(self, code, message, param=None) -> JsonResponse:
        """A body the endpoint cannot accept: its AIRequest row (outcome `invalid`), then a 400."""
        refusals.record_invalid(self.request.tenant, code=code, message=message)
        return error_response(400, code, message, param=param, headers={"x-should-retry": "false"})
