"""Signup through the platform's bot: whether signups are open, starting one (store, then send the owner
the applicant's details, the PIN and Approve / Reject buttons, outside any transaction), and telling
the owner's message what became of it. The decisions and writes are apps.accounts.signup's."""

from datetime import UTC

from django.conf import settings
from django.utils import timezone

from apps.accounts.models import TelegramLink
from apps.accounts.signup import rules, services, validation
from apps.accounts.signup.rules import SignupRefused
from apps.integrations.telegram.bot_api import BotApi, BotApiError
from apps.platform_bot import links, replies
from apps.platform_bot.callbacks import callback_data

UNAVAILABLE = (
    "Your request could not reach the platform owner right now (Telegram did not accept it). "
    "Nothing was created; try again in a few minutes."
)


def availability() -> rules.Availability:
    """Asks Telegram (getWebhookInfo, cached by webhook_status) only when a token and an owner exist."""
    has_token, owner_bound = BotApi().is_configured(), owner_link() is not None
    owner_reason = "" if owner_bound or not settings.SIGNUP_OWNER_USERNAME else links.owner_problem()
    if not (has_token and owner_bound):
        return rules.Availability(has_token, owner_bound, False, owner_reason=owner_reason)
    from apps.platform_bot.status import webhook_status

    webhook = webhook_status()
    return rules.Availability(True, True, webhook.ok, "" if webhook.ok else webhook.reason)


def start(fields: dict, *, ip=None):
    """Validates, stores and sends; returns the pending signup or raises SignupRefused (503 when
    signups are closed or Telegram refuses, after marking the stored signup failed)."""
    open_now = availability()
    if not open_now.enabled:
        raise SignupRefused(rules.closed(open_now))
    application = validation.clean(fields)
    signup, pin = services.start(application, ip=ip)
    link = owner_link()
    try:
        message = BotApi().send_message(link.chat_id, owner_text(signup, pin), buttons=decision_buttons(signup))
    except BotApiError as exc:
        services.record_send_failed(signup, error=str(exc), meta={"telegram_code": str(exc.code)})
        wait = int(exc.retry_after or 60)
        raise SignupRefused(rules.Refusal("telegram_unavailable", UNAVAILABLE, 503, retry_after=wait)) from None
    for older in services.replaced_by(signup):
        tell_owner(older, "Replaced by a newer signup for the same e-mail; its PIN and buttons no longer work.")
    return services.record_sent(signup, chat_id=link.chat_id, message_id=message["message_id"])


def owner_link() -> TelegramLink | None:
    owner = links.owner()
    return links.link_of(owner) if owner else None


def may_decide(user) -> bool:
    """Approve and Reject are for bound, active superusers (the platform owner among them)."""
    return bool(user and user.is_active and user.is_superuser and links.link_of(user))


def verify(signup_id, pin, *, request=None):
    """The applicant's PIN (services.verify_pin); the owner's message then says it was used."""
    signup = services.verify_pin(signup_id, pin, request=request)
    tell_owner(signup, f"Completed with the PIN at {clock(signup.completed_at)}.")
    return signup


def decision_buttons(signup):
    return [
        [
            ("✅ Approve", callback_data("signup", "approve", signup.pk)),
            ("❌ Reject", callback_data("signup", "reject", signup.pk)),
        ]
    ]


def summary(signup) -> str:
    lines = [
        f"Company: {signup.company} ({signup.slug})",
        f"E-mail: {signup.email}",
        f"Time zone: {signup.time_zone}",
        f"From: {signup.ip or 'unknown address'}",
        f"Requested: {clock(signup.created_at)}",
    ]
    return "\n".join(lines)


def owner_text(signup, pin) -> str:
    return (
        f"New signup waiting for your approval\n\n{summary(signup)}\n\n"
        f"PIN: {pin} (valid until {clock(signup.pin_expires_at)}). Press Approve, or give the PIN to the "
        "applicant once you know who they are. Reject if you do not recognise them."
    )


def outcome_text(signup, outcome: str) -> str:
    return f"Signup — {signup.get_status_display()}\n\n{summary(signup)}\n\n{outcome}"


def tell_owner(signup, outcome: str) -> None:
    """Replaces the owner's message (its PIN and buttons) by what happened, once the current
    transaction has committed; a failed edit is a TELEGRAM_SEND_FAIL event and changes nothing else."""
    if signup.owner_message_id:
        text = outcome_text(signup, outcome)
        replies.edit_after_commit(signup.owner_chat_id, signup.owner_message_id, text)


def clock(moment) -> str:
    return timezone.localtime(moment, UTC).strftime("%H:%M UTC") if moment else "—"
