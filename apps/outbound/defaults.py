"""A tenant's outbound defaults, read from its OutboundSettings row or, without one, from the
OUTBOUND_DEFAULT_* settings. Read-only; services.policies writes the row."""

from dataclasses import dataclass

from django.conf import settings

from apps.outbound.models import OutboundSettings

STOP_WORDS = ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT")
START_WORDS = ("START", "UNSTOP")
CONFIRMATION = "You are unsubscribed and will get no more messages from us here. Reply START to subscribe again."


@dataclass(frozen=True)
class Defaults:
    frequency_cap: int
    frequency_window_s: int
    stop_words: frozenset
    opt_out_confirmation: str


def for_tenant(tenant) -> Defaults:
    row = OutboundSettings.objects.filter(tenant=tenant).first()
    own = parse_words(row.stop_words) if row else set()
    return Defaults(
        frequency_cap=row.frequency_cap if row else settings.OUTBOUND_DEFAULT_FREQUENCY_CAP,
        frequency_window_s=row.frequency_window_s if row else settings.OUTBOUND_DEFAULT_FREQUENCY_WINDOW_S,
        stop_words=frozenset(STOP_WORDS) | own,
        opt_out_confirmation=(row.opt_out_confirmation if row else "") or CONFIRMATION,
    )


def parse_words(text) -> set:
    return {word.strip().upper() for word in (text or "").split(",") if word.strip()}


def cap_of(contact_policy, defaults) -> tuple[int, int]:
    """(messages, window seconds) for a contact: its own values where set, else the tenant's."""
    cap = contact_policy.frequency_cap if contact_policy.frequency_cap is not None else defaults.frequency_cap
    window = contact_policy.frequency_window_s or defaults.frequency_window_s
    return cap, window
