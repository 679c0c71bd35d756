"""Audit records for logins, failures and lockouts (admin and portal alike)."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from apps.events import audit


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    audit.record("auth.login", actor=user, target=user, request=request)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username", "")
    audit.record("auth.login_failed", actor_label=username or "unknown", request=request, after={"username": username})


@receiver(user_locked_out)
def audit_locked_out(sender, request, username=None, ip_address=None, **kwargs):
    audit.record(
        "auth.locked_out",
        actor_label=username or "unknown",
        request=request,
        ip_address=ip_address,
        after={"username": username},
    )
