"""The integrations' data, one module per concept."""

from apps.integrations.models.automation import AutomationRun, Bot  # noqa: F401
from apps.integrations.models.connections import PROVIDER_KEYS, Connection, Provider, secret_keys  # noqa: F401
from apps.integrations.models.conversations import Conversation, ConversationMessage  # noqa: F401
from apps.integrations.models.inbox import DeadLetter, InboundEvent  # noqa: F401
from apps.integrations.models.pms_sync import PmsSyncRun  # noqa: F401
from apps.integrations.models.reservations import Reservation  # noqa: F401
