"""Binding a Telegram account to an Opsdesk user: the one-time code, `/bind <code>`, unbinding.

A code is shown once and stored as an HMAC (keyed with SECRET_KEY); it is valid
TELEGRAM_BIND_CODE_MINUTES and only once, and a new code cancels the user's older unused ones.
One Telegram account binds one user and one user has one Telegram account: binding again replaces
the user's old link and moves the Telegram account off any other user. Every change is audited."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import TelegramBindCode, TelegramLink
from apps.core import zones
from apps.events import audit

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


@dataclass(frozen=True)
class BindResult:
    ok: bool
    reply: str
    user: object = None


def code_hash(code: str) -> str:
    normalised = "".join(code.split()).upper()
    return hmac.new(settings.SECRET_KEY.encode(), normalised.encode(), hashlib.sha256).hexdigest()


def new_bind_code(user, *, actor=None) -> tuple[str, TelegramBindCode]:
    """A fresh code for `user` (returned in clear once) and its stored row; older unused codes go."""
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    now = timezone.now()
    with transaction.atomic():
        TelegramBindCode.objects.filter(user=user, used_at__isnull=True).delete()
        row = TelegramBindCode.objects.create(
            user=user,
            code_hash=code_hash(code),
            created_at=now,
            expires_at=now + timedelta(minutes=settings.TELEGRAM_BIND_CODE_MINUTES),
        )
        audit.record(
            "telegram.bind_code_created",
            actor=actor or user,
            target=user,
            after={"expires_at": row.expires_at.isoformat()},
        )
    return code, row


def bind(code, *, telegram_user_id, chat_id, telegram_username="") -> BindResult:
    """What `/bind <code>` does; the reply says what happened in words."""
    if not code.strip():
        return BindResult(False, "Send /bind followed by the code from your Opsdesk profile page.")
    now = timezone.now()
    with transaction.atomic():
        row = TelegramBindCode.objects.select_for_update().select_related("user").filter(code_hash=code_hash(code))
        row = row.first()
        refusal = _refusal(row, now)
        if refusal:
            return BindResult(False, refusal)
        row.used_at = now
        row.save(update_fields=["used_at"])
        _link(row.user, telegram_user_id, chat_id, telegram_username, now)
    return BindResult(True, _bound_reply(row.user), row.user)


def _refusal(row, now) -> str:
    if row is None:
        return "That code is unknown. Generate a new one on your user page in Opsdesk and send /bind <code>."
    if row.used_at is not None:
        return "That code was already used. Generate a new one on your user page in Opsdesk."
    if row.expires_at <= now:
        return f"That code expired at {zones.when(row.expires_at)}. Generate a new one on your user page in Opsdesk."
    if not row.user.is_active:
        return "The Opsdesk account of that code is deactivated, so it cannot be bound."
    return ""


def _link(user, telegram_user_id, chat_id, telegram_username, now):
    """Moves the Telegram account off any other user, then replaces `user`'s link."""
    previous = TelegramLink.objects.select_for_update().filter(telegram_user_id=telegram_user_id).exclude(user=user)
    for other in previous:
        other.delete()
        audit.record(
            "telegram.unbound", actor=user, target=other.user, reason="bound to another user", before=_state(other)
        )
    old = TelegramLink.objects.filter(user=user).first()
    link, _ = TelegramLink.objects.update_or_create(
        user=user,
        defaults={
            "telegram_user_id": telegram_user_id,
            "chat_id": chat_id,
            "telegram_username": (telegram_username or "")[:64],
            "bound_at": now,
        },
    )
    audit.record("telegram.bound", actor=user, target=user, before=_state(old) if old else None, after=_state(link))
    return link


def unbind(user, *, actor, reason="") -> bool:
    """Removes `user`'s Telegram link; returns whether there was one."""
    with transaction.atomic():
        link = TelegramLink.objects.select_for_update().filter(user=user).first()
        if link is None:
            return False
        link.delete()
        audit.record("telegram.unbound", actor=actor, target=user, reason=reason, before=_state(link))
    return True


def _state(link) -> dict:
    return {
        "telegram_user_id": link.telegram_user_id,
        "chat_id": link.chat_id,
        "telegram_username": link.telegram_username,
    }


def _bound_reply(user) -> str:
    from apps.platform_bot import links

    role = "the platform owner: signup requests come here" if links.owner() == user else "an Opsdesk user"
    return (
        f"Bound: this Telegram account is now {user.get_username()} in Opsdesk, {role}. "
        f"On-call alerts for you arrive here with Acknowledge and Resolve buttons."
    )
