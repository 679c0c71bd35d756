"""The integrations' data, one module per concept."""
from apps.integrations.models.connections import PROVIDER_KEYS, Connection, Provider, secret_keys  # noqa: F401
from apps.integrations.models.inbox import InboundEvent  # noqa: F401
from apps.integrations.models.conversations import ConversationMessage  # noqa: F401
from apps.integrations.models.reservations import Reservation  # noqa: F401
