"""Outbound messaging's data, one module per concept."""

from apps.outbound.models.attempts import OutboundAttempt  # noqa: F401
from apps.outbound.models.connections import SendingConnection  # noqa: F401
from apps.outbound.models.messages import (  # noqa: F401
    CHANNEL_OF,
    PROVIDER_OF,
    REFUSED,
    WHATSAPP_CHANNELS,
    Channel,
    Kind,
    OutboundMessage,
    Source,
    Status,
)
from apps.outbound.models.pacing import SendBucket  # noqa: F401
from apps.outbound.models.policies import ContactChannelPolicy, OutboundSettings, Via  # noqa: F401
