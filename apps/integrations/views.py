"""Webhook endpoints: thin wrappers answering what `receiving` decided.

200 only once the delivery is stored (or was already); every refusal says what is wrong; 503 when
the database cannot store it, so the sender retries."""

import logging

from django.db import DatabaseError
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from apps.core import db_outages
from apps.integrations import receiving
from apps.integrations.delivery import Refused

logger = logging.getLogger("opsdesk.webhooks")


def _answer(receive, *args):
    try:
        stored, duplicates = receive(*args)
    except Refused as refusal:
        return JsonResponse({"error": refusal.error, "detail": refusal.detail}, status=refusal.status)
    except DatabaseError as exc:
        logger.error("webhook could not be stored: %s", exc)
        request = args[-1]
        db_outages.record(exc, f"webhook {request.path}")
        return JsonResponse(
            {"error": "unavailable", "detail": "The delivery could not be stored; retry later."},
            status=503,
            headers={"Retry-After": "30"},
        )
    return JsonResponse({"stored": stored, "duplicates": duplicates})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def meta_webhook(request):
    if request.method == "GET":
        return meta_handshake(request)
    return _answer(receiving.receive_meta, request)


def meta_handshake(request):
    try:
        return HttpResponse(receiving.meta_handshake(request), content_type="text/plain")
    except Refused as refusal:
        return HttpResponse(refusal.detail, status=refusal.status, content_type="text/plain")


@csrf_exempt
@require_POST
def provider_webhook(request, provider, connection_id):
    return _answer(receiving.receive, provider, connection_id, request)
