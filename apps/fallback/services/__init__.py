"""Fallback manual mode's operations, one module per concept: switch (on/off, per tenant and
platform-wide), intake (customers' messages into tickets), notice, replies (an agent's reply to the
customer), handback. The only code that writes `apps.fallback` models."""

from apps.fallback.services.handback import hand_back
from apps.fallback.services.intake import take, take_batch
from apps.fallback.services.replies import deliveries, on_public_reply
from apps.fallback.services.switch import turn_off, turn_off_platform, turn_on, turn_on_platform

__all__ = [
    "deliveries",
    "hand_back",
    "on_public_reply",
    "take",
    "take_batch",
    "turn_off",
    "turn_off_platform",
    "turn_on",
    "turn_on_platform",
]
