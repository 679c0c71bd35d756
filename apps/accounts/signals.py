"""Audit records and Error Center events for logins, failures and lockouts (admin, portal and the
JSON API alike). Failed logins and lockouts are events too, so the alert rules can count them; the
synthetic login of the auth probe (apps/accounts/auth_probe.py) is not audited every minute."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from apps.accounts.auth_probe import is_probe_user
from apps.events import audit, emit


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    if not is_probe_user(user):
        audit.record("auth.login", actor=user, target=user, request=request)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username", "")
    audit.record("auth.login_failed", actor_label=username or "unknown", request=request, after={"username": username})
    emit(
        "AUTH_LOGIN_FAILED",
        message=f"Failed login for {username or 'an empty username'}",
        meta={"username": username[:150], "path": getattr(request, "path", "")},
        source="auth",
    )


@receiver(user_locked_out)
def audit_locked_out(sender, request, username=None, ip_address=None, **kwargs):
    audit.record(
        "auth.locked_out",
        actor_label=username or "unknown",
        request=request,
        ip_address=ip_address,
        after={"username": username},
    )
    emit(
        "AUTH_LOCKED_OUT",
        message=f"Locked out after repeated failed logins: {username or 'unknown user'} from {ip_address or 'unknown'}",
        meta={"username": (username or "")[:150], "ip_address": ip_address or ""},
        source="auth",
    )
