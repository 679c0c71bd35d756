"""The only code that changes pending signups. Each operation locks its signup row, decides with
`rules`, writes and audits in one transaction; none of them talks to Telegram (the caller sends
after `start` returns and records the outcome with `record_sent` / `record_send_failed`)."""

import uuid

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from apps.accounts.models import PendingSignup
from apps.accounts.signup import pins, rules
from apps.accounts.signup.rules import SignupRefused
from apps.core import db_context
from apps.core.errors import ServiceError
from apps.events import audit, emit
from apps.tenants import services as tenant_services
from apps.tenants.models import Membership

Status = PendingSignup.Status
BY_PIN, BY_BUTTON = "pin", "button"


def state_of(signup) -> rules.SignupState:
    return rules.SignupState(signup.status, signup.pin_expires_at, signup.wrong_tries)


def find(signup_id) -> PendingSignup:
    """The signup by its id, or SignupRefused 404 (also for text that is not a UUID)."""
    try:
        return PendingSignup.objects.get(pk=uuid.UUID(str(signup_id)))
    except (ValueError, PendingSignup.DoesNotExist):
        rules.refuse("not_found", "No signup with this id.", 404)


def _locked(signup_id) -> PendingSignup:
    signup = find(signup_id)
    return PendingSignup.objects.select_for_update().get(pk=signup.pk)


# --- start ---------------------------------------------------------------------------------------


@db_context.as_platform  # signups belong to no tenant yet, whoever calls (threads included)
def start(application, *, ip=None, now=None) -> tuple[PendingSignup, str]:
    """Stores a pending signup and returns it with its PIN in clear (for the owner's message only).
    An older open signup for the same e-mail is cancelled; the rate limit counts every start."""
    now = now or timezone.now()
    pin = pins.new_pin()
    with transaction.atomic():
        _serialise_starts(application.email, ip)
        _check_rate(application.email, ip, now)
        replaced = _cancel_open(application.email, now)
        signup = PendingSignup(
            company=application.company,
            slug=application.slug,
            email=application.email,
            password_hash=application.password_hash,
            time_zone=application.time_zone,
            ip=ip,
            pin_expires_at=now + rules.PIN_VALID,
            created_at=now,
        )
        signup.pin_hmac = pins.digest(signup.pk, pin)
        signup.save()
        _audit("signup.started", signup, after={"replaced": [str(pk) for pk in replaced]})
    return signup, pin


def _serialise_starts(email, ip):
    """Two starts for the same e-mail or address wait for each other (PostgreSQL advisory locks held
    to the end of the transaction, taken in one order), so both cannot pass the rate limit at once.
    SQLite writes one transaction at a time anyway."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for key in sorted({f"signup:email:{email}", f"signup:ip:{ip or '-'}"}):
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])


def _check_rate(email, ip, now):
    recent = PendingSignup.objects.filter(created_at__gt=now - rules.RATE_WINDOW)
    by_email = list(recent.filter(email=email).values_list("created_at", flat=True))
    by_ip = list(recent.filter(ip=ip).values_list("created_at", flat=True)) if ip else []
    refusal = rules.decide_rate(by_email, by_ip, now)
    if refusal is not None:
        raise SignupRefused(refusal)


def _cancel_open(email, now) -> list:
    open_ones = PendingSignup.objects.select_for_update().filter(email=email, status__in=rules.OPEN_STATUSES)
    replaced = list(open_ones.values_list("pk", flat=True))
    PendingSignup.objects.filter(pk__in=replaced).update(
        status=Status.CANCELLED, decided_at=now, note="Replaced by a newer signup for the same e-mail."
    )
    return replaced


def replaced_by(signup) -> list[PendingSignup]:
    """The older signups `start` cancelled for this one (their owner's messages still show buttons)."""
    older = PendingSignup.objects.filter(email=signup.email, status=Status.CANCELLED, decided_at=signup.created_at)
    return list(older.exclude(pk=signup.pk))


def record_sent(signup, *, chat_id, message_id) -> PendingSignup:
    PendingSignup.objects.filter(pk=signup.pk).update(owner_chat_id=chat_id, owner_message_id=message_id)
    signup.owner_chat_id, signup.owner_message_id = chat_id, message_id
    return signup


def record_send_failed(signup, *, error: str, meta=None) -> PendingSignup:
    """Telegram did not take the owner's message: the signup can never complete (its PIN reached
    nobody), and the failure is a TELEGRAM_SEND_FAIL event for the operators."""
    note = f"The owner's message could not be sent: {error}"[:300]
    with transaction.atomic():
        PendingSignup.objects.filter(pk=signup.pk).update(status=Status.FAILED, note=note)
        signup.status, signup.note = Status.FAILED, note
        _audit("signup.send_failed", signup, after={"error": error[:200]})
    emit(
        "TELEGRAM_SEND_FAIL",
        message=f"Signup for {signup.company} <{signup.email}>: {note}",
        meta={"signup_id": str(signup.pk), "purpose": "signup", **(meta or {})},
        source="platform_bot.signup",
    )
    return signup


# --- decisions -----------------------------------------------------------------------------------


def approve(signup_id, *, by, request=None) -> PendingSignup:
    """The owner's Approve button: the account is created at once (tenant, user, owner membership)."""
    now = timezone.now()
    with transaction.atomic():
        signup = _locked(signup_id)
        _refuse_if_ended(signup, now)
        return _complete(signup, method=BY_BUTTON, by=by, now=now, request=request)


def reject(signup_id, *, by, request=None) -> PendingSignup:
    now = timezone.now()
    with transaction.atomic():
        signup = _locked(signup_id)
        _refuse_if_ended(signup, now)
        _decide(signup, Status.REJECTED, by, now, note=f"Rejected by {by}.")
        _audit("signup.rejected", signup, actor=by, request=request)
    return signup


def verify_pin(signup_id, pin_text, *, request=None) -> PendingSignup:
    """The applicant's PIN. A wrong one is counted (and the fifth burns the signup) in its own
    committed transaction, so the refusal sticks; the right one completes the signup."""
    pin = pins.normalise(pin_text)
    if pin is None:
        rules.refuse("invalid", "The PIN is six digits.", 400, fields={"pin": "The PIN is six digits."})
    now = timezone.now()
    with transaction.atomic():
        signup = _locked(signup_id)
        verdict = rules.decide_pin(state_of(signup), pins.matches(signup.pk, pin, signup.pin_hmac), now)
        if verdict.complete:
            return _complete(signup, method=BY_PIN, by=None, now=now, request=request)
        _record_wrong_try(signup, verdict, request)
    raise SignupRefused(verdict.refusal)


def _record_wrong_try(signup, verdict, request):
    if verdict.wrong_tries is None:
        return
    signup.wrong_tries = verdict.wrong_tries
    signup.status = verdict.status or signup.status
    signup.save(update_fields=["wrong_tries", "status"])
    if verdict.status == Status.BURNED:
        _audit("signup.burned", signup, after={"wrong_tries": signup.wrong_tries}, request=request)


def _refuse_if_ended(signup, now):
    refusal = rules.ended(state_of(signup), now)
    if refusal is not None:
        raise SignupRefused(refusal)


def _decide(signup, status, by, now, note=""):
    signup.status, signup.decided_by, signup.decided_at = status, by, now
    signup.note = note[:300]
    signup.save(update_fields=["status", "decided_by", "decided_at", "note"])


# --- the account ---------------------------------------------------------------------------------


def _complete(signup, *, method, by, now, request=None) -> PendingSignup:
    """Creates the user, the tenant on the default plan and the owner membership (the tenants
    services, which audit each), then marks the signup completed. A slug or e-mail taken since the
    start refuses the whole and leaves the signup as it was."""
    user = _new_user(signup)
    try:
        tenant = tenant_services.create_tenant(
            signup.slug, name=signup.company, timezone_name=signup.time_zone, actor=by or user, request=request
        )
        tenant_services.add_membership(tenant, user, role=Membership.Role.OWNER, actor=by or user, request=request)
    except ServiceError as exc:
        rules.refuse(exc.code or "conflict", f"The account could not be created: {exc.message}", 409)
    _decide(signup, Status.COMPLETED, by, now, note=_approval_words(method, by))
    signup.tenant, signup.user, signup.completed_at = tenant, user, now
    signup.save(update_fields=["tenant", "user", "completed_at"])
    _audit("signup.completed", signup, actor=by, tenant=tenant, after=_completion(signup, method, by), request=request)
    return signup


def _new_user(signup):
    User = get_user_model()
    if User.objects.filter(username__iexact=signup.email).exists():
        rules.refuse("email_taken", "An account with this e-mail already exists: log in instead.", 409)
    return User.objects.create(username=signup.email, email=signup.email, password=signup.password_hash)


def _approval_words(method, by) -> str:
    return f"Approved by {by} with the button." if method == BY_BUTTON else "Completed with the owner's PIN."


def _completion(signup, method, by) -> dict:
    return {
        "company": signup.company,
        "slug": signup.slug,
        "email": signup.email,
        "approved_by": method,
        "approver": by.get_username() if by else "",
        "user_id": signup.user_id,
    }


# --- operators and the periodic job --------------------------------------------------------------


def cancel(signup, *, actor, reason="", request=None) -> PendingSignup:
    """An operator ends an open signup: its PIN and buttons stop working."""
    now = timezone.now()
    with transaction.atomic():
        signup = _locked(signup.pk)
        _refuse_if_ended(signup, now)
        _decide(signup, Status.CANCELLED, actor, now, note=f"Cancelled by {actor}: {reason}".strip(": "))
        _audit("signup.cancelled", signup, actor=actor, reason=reason, request=request)
    return signup


def expire_overdue(now=None) -> int:
    """Open signups whose PIN time is over become expired (one UPDATE)."""
    now = now or timezone.now()
    overdue = PendingSignup.objects.filter(status__in=rules.OPEN_STATUSES, pin_expires_at__lte=now)
    return overdue.update(status=Status.EXPIRED, decided_at=now, note="Nobody approved it within 10 minutes.")


def purge_old(now=None) -> int:
    """Signups older than PURGE_AFTER are deleted (the audit log keeps what happened)."""
    now = now or timezone.now()
    deleted, _ = PendingSignup.objects.filter(created_at__lt=now - rules.PURGE_AFTER).delete()
    return deleted


def _audit(action, signup, *, actor=None, tenant=None, after=None, reason="", request=None):
    audit.record(
        action,
        actor=actor,
        reason=reason,
        actor_label="" if actor else signup.email,
        tenant=tenant,
        target=signup,
        after={"company": signup.company, "email": signup.email, **(after or {})},
        request=request,
    )
