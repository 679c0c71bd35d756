"""The signup's decisions, pure: whether signups are open and why not, whether another start is allowed,
what a PIN attempt leads to, and what a poll may reveal. Inputs are frozen dataclasses; nothing here
reads the database or Telegram."""

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

PIN_VALID = timedelta(minutes=10)
MAX_WRONG_TRIES = 5
RATE_WINDOW = timedelta(minutes=15)
RATE_MAX_STARTS = 3
PURGE_AFTER = timedelta(days=30)

PENDING, APPROVED, COMPLETED = "pending", "approved", "completed"
REJECTED, EXPIRED, BURNED, CANCELLED, FAILED = "rejected", "expired", "burned", "cancelled", "failed"
OPEN_STATUSES = (PENDING, APPROVED)


@dataclass(frozen=True)
class Refusal:
    """Why a signup request is refused: `code` for programs, `detail` for people, the HTTP status, and
    the form fields concerned (field → message)."""

    code: str
    detail: str
    status: int = 400
    fields: dict = field(default_factory=dict)
    retry_after: int | None = None

    def as_json(self) -> dict:
        body = {"error": self.code, "detail": self.detail}
        if self.fields:
            body["fields"] = dict(self.fields)
        if self.retry_after is not None:
            body["retry_after"] = self.retry_after
        return body


class SignupRefused(Exception):
    def __init__(self, refusal: Refusal):
        super().__init__(refusal.detail)
        self.refusal = refusal


def refuse(code, detail, status=400, **kwargs):
    raise SignupRefused(Refusal(code, detail, status, **kwargs))


# --- open or closed ------------------------------------------------------------------------------

NO_TOKEN = (
    "Signups are closed: no Telegram bot token is configured (TELEGRAM_BOT_TOKEN), so nobody can approve "
    "a new account. An operator sets it and restarts Opsdesk."
)
NO_OWNER = (
    "Signups are closed: no platform owner has bound a Telegram account yet, so nobody would receive the "
    "request. A superuser gets a code from their profile in the admin (or `manage.py telegram_bind_code "
    "<username>`) and sends `/bind <code>` to the bot."
)
OPEN = "Signups are open: the platform owner approves each new account in Telegram."


@dataclass(frozen=True)
class Availability:
    has_telegram_token: bool
    owner_bound: bool
    webhook_ok: bool
    webhook_reason: str = ""
    owner_reason: str = ""

    @property
    def enabled(self) -> bool:
        return self.has_telegram_token and self.owner_bound and self.webhook_ok

    @property
    def reason(self) -> str:
        if not self.has_telegram_token:
            return NO_TOKEN
        if not self.owner_bound:
            return f"Signups are closed: {self.owner_reason}" if self.owner_reason else NO_OWNER
        if not self.webhook_ok:
            return f"Signups are closed: the Telegram webhook is not working. {self.webhook_reason}".strip()
        return OPEN

    def as_json(self) -> dict:
        return {
            "enabled": self.enabled,
            "has_telegram_token": self.has_telegram_token,
            "owner_bound": self.owner_bound,
            "webhook_ok": self.webhook_ok,
            "reason": self.reason,
        }


def closed(availability: Availability) -> Refusal:
    return Refusal("signup_closed", availability.reason, 503)


# --- rate limit ----------------------------------------------------------------------------------


def decide_rate(email_starts, ip_starts, now: datetime) -> Refusal | None:
    """At most RATE_MAX_STARTS starts per e-mail and per address within RATE_WINDOW; the refusal says
    when the oldest of them leaves the window. `*_starts` are the start times within the window."""
    for what, starts in (("e-mail address", email_starts), ("network address", ip_starts)):
        if len(starts) >= RATE_MAX_STARTS:
            wait = max(1, math.ceil((min(starts) + RATE_WINDOW - now).total_seconds()))
            detail = (
                f"Too many signups from this {what}: at most {RATE_MAX_STARTS} in "
                f"{int(RATE_WINDOW.total_seconds() // 60)} minutes. Try again in {_minutes(wait)}."
            )
            return Refusal("rate_limited", detail, 429, retry_after=wait)
    return None


def _minutes(seconds: int) -> str:
    minutes = -(-seconds // 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


# --- a PIN attempt -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignupState:
    status: str
    pin_expires_at: datetime
    wrong_tries: int


@dataclass(frozen=True)
class PinVerdict:
    """`complete`, or the refusal and the state to store (a wrong try counted, a burned PIN)."""

    complete: bool
    refusal: Refusal | None = None
    wrong_tries: int | None = None
    status: str | None = None


ENDED = {
    COMPLETED: Refusal(
        "already_completed", "This signup is already complete: log in with your e-mail and password.", 409
    ),
    REJECTED: Refusal("rejected", "The platform owner declined this signup.", 403),
    BURNED: Refusal(
        "pin_burned", f"Too many wrong PINs ({MAX_WRONG_TRIES}): this signup is locked. Start a new signup.", 403
    ),
    EXPIRED: Refusal("expired", "This signup has expired (PINs are valid 10 minutes). Start a new signup.", 410),
    CANCELLED: Refusal(
        "cancelled",
        "This signup was cancelled (a newer signup for the same e-mail replaced it, or an operator ended it).",
        409,
    ),
    FAILED: Refusal("not_sent", "The PIN for this signup could not be sent. Start a new signup.", 409),
}


def is_overdue(state: SignupState, now: datetime) -> bool:
    return state.status in OPEN_STATUSES and now >= state.pin_expires_at


def ended(state: SignupState, now: datetime) -> Refusal | None:
    """The refusal for a signup that can no longer be approved or verified, or None while it is open."""
    if is_overdue(state, now):
        return ENDED[EXPIRED]
    return ENDED.get(state.status)


def decide_pin(state: SignupState, pin_is_right: bool, now: datetime) -> PinVerdict:
    refusal = ended(state, now)
    if refusal is not None:
        return PinVerdict(False, refusal)
    if pin_is_right:
        return PinVerdict(True)
    tries = state.wrong_tries + 1
    if tries >= MAX_WRONG_TRIES:
        return PinVerdict(False, ENDED[BURNED], wrong_tries=tries, status=BURNED)
    left = MAX_WRONG_TRIES - tries
    detail = f"That PIN is not right. {left} {'try' if left == 1 else 'tries'} left."
    return PinVerdict(False, Refusal("wrong_pin", detail, 400, fields={"pin": detail}), wrong_tries=tries)


# --- what a poll may see -------------------------------------------------------------------------

POLL_WORDS = {
    PENDING: "Waiting for the platform owner's approval. Type the PIN they give you, or wait here.",
    APPROVED: "Approved: your account is being created.",
    COMPLETED: "Your account is ready.",
    REJECTED: "The platform owner declined this signup.",
    EXPIRED: "This signup has expired. Start a new one.",
    BURNED: "Too many wrong PINs: this signup is locked. Start a new one.",
    CANCELLED: "This signup was cancelled: a newer one for the same e-mail replaced it, or an operator ended it.",
    FAILED: "The request could not be sent to the platform owner. Try again later.",
}


def public_status(state: SignupState, now: datetime) -> str:
    return EXPIRED if is_overdue(state, now) else state.status


def poll_json(state: SignupState, now: datetime) -> dict:
    status = public_status(state, now)
    return {"status": status, "detail": POLL_WORDS[status]}
