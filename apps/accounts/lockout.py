"""Login lockout (django-axes): what a successful login forgets, and how a lockout is answered.

settings.AXES_LOCKOUT_PARAMETERS counts failures per username (from any address) and per
address (whatever the username)."""

from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.timesince import timesince

LOCKED_STATUS = 429


class LockoutHandler(AxesDatabaseHandler):
    """A successful login forgets the failures of that username only. Axes would also forget its
    address's, so a guesser could clear its own count by logging in to an account of its own."""

    def reset_user_attempts(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def duration_words(delta: timedelta | None) -> str:
    """timedelta(minutes=15) → "15 minutes"; timedelta(minutes=90) → "1 hour, 30 minutes"."""
    if not delta:
        return "a while"
    now = timezone.now()
    return timesince(now - delta, now).replace("\xa0", " ")


def lockout_response(request, original_response=None, credentials=None):
    cooloff = get_cool_off(request)
    words = duration_words(cooloff)
    if _wants_json(request):
        response = JsonResponse(
            {"error": "locked_out", "cooloff": words, "detail": f"Too many failed logins. Try again in {words}."},
            status=LOCKED_STATUS,
        )
    else:
        context = {
            "cooloff": words,
            "failure_limit": get_failure_limit(request, credentials),
            "username": get_client_username(request, credentials) or "",
        }
        response = render(request, "accounts/locked_out.html", context, status=LOCKED_STATUS)
    if cooloff:
        response["Retry-After"] = str(int(cooloff.total_seconds()))
    return response


def _wants_json(request) -> bool:
    return (
        request.headers.get("X-Requested-With") == "XMLHttpRequest"
        or "application/json" in request.headers.get("Accept", "")
        or request.path.startswith(("/api/", "/auth/"))
    )
