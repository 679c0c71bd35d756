"""The signup's JSON endpoints under /auth/signup/ (CSRF as for the session API: the token in
x-csrf-token). Bodies may be JSON or an HTML form; every refusal is `{"error", "detail"}` with a 4xx
(503 when signups are closed or Telegram is down)."""

from django.contrib import auth, messages
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.signup import rules, services
from apps.accounts.signup.rules import SignupRefused
from apps.core import safe_json
from apps.platform_bot import signup as bot_signup

SESSION_KEY = "signup_ids"
BACKEND = "django.contrib.auth.backends.ModelBackend"
PORTAL = "/dashboard/"


def refused(refusal: rules.Refusal) -> JsonResponse:
    response = JsonResponse(refusal.as_json(), status=refusal.status)
    if refusal.retry_after is not None:
        response["Retry-After"] = str(refusal.retry_after)
    return response


def body_fields(request) -> dict:
    """A form's fields, or a JSON object's; anything else is SignupRefused 400."""
    if "application/json" not in request.content_type:
        return request.POST.dict()
    try:
        body = safe_json.loads(request.body or b"{}")
    except safe_json.BadJSON as exc:
        rules.refuse("invalid", f"The body is not JSON: {exc}")
    if not isinstance(body, dict):
        rules.refuse("invalid", "Send a JSON object.")
    return body


# --- the browser session the signup belongs to ---------------------------------------------------


def bind_to_session(request, signup) -> None:
    request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, [])[-4:], str(signup.pk)]


def started_here(request, signup) -> bool:
    return str(signup.pk) in request.session.get(SESSION_KEY, [])


def log_in(request, signup) -> None:
    """Logs the applicant in as the signup's new user and forgets the signup in this session."""
    auth.login(request, signup.user, backend=BACKEND)
    request.session[SESSION_KEY] = [pk for pk in request.session.get(SESSION_KEY, []) if pk != str(signup.pk)]


def welcome(signup, why) -> str:
    return f"{why} Welcome to Opsdesk, {signup.company}: your account is ready."


def poll_path(signup) -> str:
    return reverse("signup_api:poll", args=[signup.pk])


def completed_json(signup) -> dict:
    return {"signup_id": str(signup.pk), "status": "completed", "redirect": PORTAL}


# --- endpoints -----------------------------------------------------------------------------------


@never_cache
@require_GET
def signup_status(request):
    return JsonResponse(bot_signup.availability().as_json())


@never_cache
@require_POST
def start(request):
    try:
        signup = bot_signup.start(body_fields(request), ip=request.META.get("REMOTE_ADDR"))
    except SignupRefused as exc:
        return refused(exc.refusal)
    bind_to_session(request, signup)
    body = {
        "signup_id": str(signup.pk),
        "status": "pending",
        "expires_at": signup.pin_expires_at.isoformat(),
        "poll": poll_path(signup),
    }
    return JsonResponse(body, status=201)


@never_cache
@require_GET
def poll(request, signup_id):
    """Only the status (and a sentence for the page); the session that started a completed signup is
    logged in on this poll and told where to go."""
    try:
        signup = services.find(signup_id)
    except SignupRefused as exc:
        return refused(exc.refusal)
    body = rules.poll_json(services.state_of(signup), timezone.now())
    if body["status"] == rules.COMPLETED and started_here(request, signup):
        log_in(request, signup)
        messages.success(request, welcome(signup, "The platform owner approved your signup."))
        body["redirect"] = PORTAL
    return JsonResponse(body)


@never_cache
@require_POST
def verify(request):
    try:
        fields = body_fields(request)
        signup = verify_or_repeat(request, fields.get("signup_id"), fields.get("pin"))
    except SignupRefused as exc:
        return refused(exc.refusal)
    return JsonResponse(completed_json(signup))


def verify_or_repeat(request, signup_id, pin):
    """A verify repeated by the user it already logged in answers as the first did (nothing is created
    twice); anyone else gets the refusal for a completed signup."""
    if not signup_id:
        rules.refuse("invalid", "signup_id is required.", fields={"signup_id": "signup_id is required."})
    signup = services.find(signup_id)
    if signup.status == rules.COMPLETED and request.user.is_authenticated and request.user.pk == signup.user_id:
        return signup
    signup = bot_signup.verify(signup.pk, pin, request=request)
    log_in(request, signup)
    return signup
