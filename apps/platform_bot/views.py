"""`POST /auth/telegram/webhook`: the platform bot's updates. 200 once stored (or already stored),
401 for a wrong secret, 503 when the bot is not configured or the database cannot store it (so
Telegram retries), 4xx naming what is wrong with a body Telegram would otherwise resend forever."""

import logging

from django.db import DatabaseError
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from apps.integrations.delivery import Refused
from apps.platform_bot import webhook

logger = logging.getLogger("opsdesk.platform_bot")


@csrf_exempt
@require_POST
def telegram_webhook(request):
    try:
        stored, duplicates = webhook.receive(request)
    except Refused as refusal:
        return JsonResponse({"error": refusal.error, "detail": refusal.detail}, status=refusal.status)
    except DatabaseError as exc:
        logger.error("platform bot update could not be stored: %s", exc)
        detail = "The update could not be stored; retry later."
        return JsonResponse({"error": "unavailable", "detail": detail}, status=503, headers={"Retry-After": "30"})
    return JsonResponse({"stored": stored, "duplicates": duplicates})
