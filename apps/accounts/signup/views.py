"""The signup pages: /signup/ (the form, or why signups are closed) and /signup/<id>/ (waiting for the
owner: the PIN field, a "Check again" button, and a small script that polls and finishes by itself).
They work without JavaScript; the script only saves pressing the button."""

import zoneinfo

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apps.accounts.signup import api, rules, services
from apps.accounts.signup.rules import SignupRefused
from apps.platform_bot import signup as bot_signup

TIME_ZONES = sorted(zoneinfo.available_timezones())
FORM_FIELDS = ("company", "email", "timezone")


@never_cache
@require_http_methods(["GET", "POST"])
def signup_form(request):
    if request.user.is_authenticated:
        return redirect(api.PORTAL)
    availability = bot_signup.availability()
    if request.method == "POST" and availability.enabled:
        return _start(request, availability)
    status = 200 if availability.enabled else 503
    return _form(request, availability, status=status)


def _start(request, availability):
    try:
        signup = bot_signup.start(request.POST.dict(), ip=request.META.get("REMOTE_ADDR"))
    except SignupRefused as exc:
        return _form(request, availability, exc.refusal, status=exc.refusal.status)
    api.bind_to_session(request, signup)
    return redirect("signup:waiting", signup_id=signup.pk)


def _form(request, availability, refusal=None, status=200):
    context = {
        "availability": availability,
        "refusal": refusal,
        "field_errors": refusal.fields if refusal else {},
        "values": {name: request.POST.get(name, "") for name in FORM_FIELDS},
        "time_zones": TIME_ZONES,
    }
    return render(request, "accounts/signup.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def waiting(request, signup_id):
    try:
        signup = services.find(signup_id)
    except SignupRefused as exc:
        return _gone(request, exc.refusal)
    if request.method == "POST":
        return _verify(request, signup)
    if signup.status == rules.COMPLETED and api.started_here(request, signup):
        return _welcome(request, signup, "The platform owner approved your signup.")
    return _waiting(request, signup)


def _verify(request, signup):
    try:
        signup = api.verify_or_repeat(request, signup.pk, request.POST.get("pin"))
    except SignupRefused as exc:
        return _waiting(request, services.find(signup.pk), exc.refusal, status=exc.refusal.status)
    return _welcome(request, signup, "PIN accepted.")


def _welcome(request, signup, why):
    if not request.user.is_authenticated or request.user.pk != signup.user_id:
        api.log_in(request, signup)
    messages.success(request, api.welcome(signup, why))
    return redirect(api.PORTAL)


def _waiting(request, signup, refusal=None, status=200):
    poll = rules.poll_json(services.state_of(signup), timezone.now())
    context = {
        "signup": signup,
        "poll": poll,
        "open": poll["status"] in rules.OPEN_STATUSES,
        "poll_url": api.poll_path(signup),
        "refusal": refusal,
    }
    return render(request, "accounts/signup_waiting.html", context, status=status)


def _gone(request, refusal):
    return render(request, "accounts/signup_waiting.html", {"refusal": refusal, "open": False}, status=404)
