"""Chatwoot messages into ChatwootMessage rows: one reading of Chatwoot's message JSON (the API's
integer `message_type` and epoch `created_at`, or a webhook's names and ISO times) and one bulk
upsert (INSERT … ON CONFLICT (source, message_id) DO UPDATE), shared by the sync and the webhook feed."""

from datetime import UTC, datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.knowledge.models import ChatwootMessage

KIND = ChatwootMessage.Kind
TYPES = {0: KIND.INCOMING, 1: KIND.OUTGOING, 2: KIND.ACTIVITY, 3: KIND.TEMPLATE}
UPDATED_FIELDS = ["message_type", "private", "sender_type", "sender_name", "content", "created_at", "synced_at"]
MAX_CONTENT = 100_000


def message_kind(value) -> str:
    """Chatwoot's integer (API) or name (webhook); anything else is an activity, never searched."""
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, int):
        return TYPES.get(value, KIND.ACTIVITY)
    return value if value in KIND.values else KIND.ACTIVITY


def moment(value) -> datetime:
    """Epoch seconds (the API) or an ISO time (webhooks); now when absent or unreadable."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=UTC)
    if isinstance(value, str):
        if value.isdigit():
            return datetime.fromtimestamp(int(value), tz=UTC)
        parsed = parse_datetime(value)
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return timezone.now()


def row(source, conversation_id, message: dict) -> ChatwootMessage:
    sender = message.get("sender") if isinstance(message.get("sender"), dict) else {}
    return ChatwootMessage(
        tenant_id=source.tenant_id,
        project_id=source.project_id,
        source=source,
        conversation_id=int(conversation_id),
        message_id=int(message["id"]),
        message_type=message_kind(message.get("message_type")),
        private=bool(message.get("private")),
        sender_type=str(sender.get("type") or "")[:32],
        sender_name=str(sender.get("name") or "")[:255],
        content=str(message.get("content") or "")[:MAX_CONTENT],
        created_at=moment(message.get("created_at")),
    )


def upsert(source, rows: list[ChatwootMessage]) -> dict:
    """Stores the rows in one statement; returns how many were new and how many already stored.
    Call it inside the transaction that also moves the conversation's cursor."""
    if not rows:
        return {"new": 0, "updated": 0}
    ids = [r.message_id for r in rows]
    known = set(ChatwootMessage.objects.filter(source=source, message_id__in=ids).values_list("message_id", flat=True))
    unique = {r.message_id: r for r in rows}
    ChatwootMessage.objects.bulk_create(
        list(unique.values()),
        update_conflicts=True,
        unique_fields=["source", "message_id"],
        update_fields=UPDATED_FIELDS,
    )
    return {"new": len(unique.keys() - known), "updated": len(unique.keys() & known)}
