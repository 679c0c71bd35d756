"""Chatwoot messages into ChatwootMessage rows: one reading of Chatwoot's message JSON (the API's
integer `message_type` and epoch `created_at`, or a webhook's names and ISO times) and one bulk
upsert (INSERT … ON CONFLICT (source, message_id) DO UPDATE), shared by the sync and the webhook feed."""

from datetime import UTC, datetime

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.knowledge.models import ChatwootMessage

KIND = ChatwootMessage.Kind
TYPES = {0: KIND.INCOMING, 1: KIND.OUTGOING, 2: KIND.ACTIVITY, 3: KIND.TEMPLATE}
UPDATED_FIELDS = ["message_type", "private", "sender_type", "sender_name", "content", "created_at", "synced_at"]
MAX_CONTENT = 100_000
BATCH = 1000


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
        content=str(message.get("content") or "").replace("\x00", "")[:MAX_CONTENT],
        created_at=moment(message.get("created_at")),
    )


def upsert(source, rows: list[ChatwootMessage]) -> dict:
    """Stores the rows (INSERT … ON CONFLICT (source, message_id) DO UPDATE, BATCH rows a statement)
    and returns how many were new and how many already stored. Call it inside the transaction that
    also moves the conversations' cursors. On PostgreSQL the rows travel as one array per column
    (`unnest`), which spares Django's per-value work: the sync's hot path."""
    unique = list({r.message_id: r for r in rows}.values())
    store = _upsert_postgresql if connection.vendor == "postgresql" else _upsert_orm
    new = sum(store(source, unique[start : start + BATCH]) for start in range(0, len(unique), BATCH))
    return {"new": new, "updated": len(unique) - new}


def _upsert_orm(source, batch) -> int:
    known = ChatwootMessage.objects.filter(source=source, message_id__in=[r.message_id for r in batch]).count()
    ChatwootMessage.objects.bulk_create(
        batch, update_conflicts=True, unique_fields=["source", "message_id"], update_fields=UPDATED_FIELDS
    )
    return len(batch) - known


UPSERT_SQL = """
INSERT INTO {table} (tenant_id, project_id, source_id, conversation_id, message_id, message_type, private,
                     sender_type, sender_name, content, created_at, synced_at)
SELECT %s, %s, %s, row.*, now()
FROM unnest(%s::bigint[], %s::bigint[], %s::varchar[], %s::boolean[], %s::varchar[], %s::varchar[], %s::text[],
            %s::timestamptz[]) AS row
ON CONFLICT (source_id, message_id) DO UPDATE SET
    message_type = EXCLUDED.message_type, private = EXCLUDED.private, sender_type = EXCLUDED.sender_type,
    sender_name = EXCLUDED.sender_name, content = EXCLUDED.content, created_at = EXCLUDED.created_at,
    synced_at = EXCLUDED.synced_at
RETURNING (xmax = 0)
"""


def _upsert_postgresql(source, batch) -> int:
    """One statement; `xmax = 0` on a returned row means it was inserted, not updated."""
    columns = [
        [r.conversation_id for r in batch],
        [r.message_id for r in batch],
        [r.message_type for r in batch],
        [r.private for r in batch],
        [r.sender_type for r in batch],
        [r.sender_name for r in batch],
        [r.content for r in batch],
        [r.created_at for r in batch],
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            UPSERT_SQL.format(table=ChatwootMessage._meta.db_table),
            [source.tenant_id, source.project_id, source.pk, *columns],
        )
        return sum(1 for (inserted,) in cursor.fetchall() if inserted)
