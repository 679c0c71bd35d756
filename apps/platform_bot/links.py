"""Who is who between Telegram and Opsdesk: the user a Telegram account is bound to, and the
platform owner (the bound active superuser that signups go to)."""

from django.conf import settings
from django.contrib.auth import get_user_model

from apps.accounts.models import TelegramLink


def bound_user(telegram_user_id):
    """The active Opsdesk user bound to this Telegram account, or None."""
    link = TelegramLink.objects.select_related("user").filter(telegram_user_id=telegram_user_id).first()
    return link.user if link and link.user.is_active else None


def link_of(user):
    return TelegramLink.objects.filter(user=user).first() if user and user.pk else None


def owner():
    """Who approves signups: SIGNUP_OWNER_USERNAME when it names a bound active superuser, else the
    earliest-bound active superuser; None when there is none."""
    candidates = get_user_model().objects.filter(is_active=True, is_superuser=True, telegram_link__isnull=False)
    if settings.SIGNUP_OWNER_USERNAME:
        return candidates.filter(username=settings.SIGNUP_OWNER_USERNAME).first()
    return candidates.order_by("telegram_link__bound_at", "pk").first()


def owner_bound() -> bool:
    return owner() is not None


def owner_problem() -> str:
    """Why no owner is bound, in words, or "" when one is."""
    if owner_bound():
        return ""
    if settings.SIGNUP_OWNER_USERNAME:
        return (
            f"SIGNUP_OWNER_USERNAME names {settings.SIGNUP_OWNER_USERNAME!r}, who is not an active superuser "
            f"with a bound Telegram account: open their user page in the admin, generate a bind code and "
            f"send /bind <code> to the bot."
        )
    return (
        "No active superuser has bound a Telegram account: open your user page in the admin, generate a "
        "bind code and send /bind <code> to the bot."
    )
