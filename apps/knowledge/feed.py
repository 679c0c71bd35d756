"""Chatwoot's `message_created` webhooks into the synced messages, so search is fresh between syncs.

The inbox stores and processes the delivery (apps.integrations.chatwoot.handlers), which sends
`integrations.signals.chatwoot_message`; this stores the message for every active source of that
connection whose inboxes include the conversation's, then re-chunks the conversation. The sync's
cursor is not moved: a webhook may arrive out of order or never, so the next sync still reads
after its own last message (and finds this one again, as an update)."""

from apps.knowledge import messages as message_rows
from apps.knowledge.chunking import rechunk
from apps.knowledge.models import ProjectSource


def store_webhook_message(connection, payload: dict) -> int:
    """Returns the number of sources that stored the message (0 when none reads it)."""
    conversation = payload.get("conversation") if isinstance(payload.get("conversation"), dict) else {}
    if payload.get("id") is None or conversation.get("id") is None:
        return 0
    stored = 0
    for source in reading_sources(connection, inbox_of(payload, conversation)):
        message_rows.upsert(source, [message_rows.row(source, conversation["id"], payload)])
        rechunk(source, [int(conversation["id"])])
        stored += 1
    return stored


def store_webhook_messages(connection, payloads: list[dict]) -> int:
    """The batch form of `store_webhook_message` for one connection's messages: the sources read
    once, one upsert and one re-chunk per source. Returns how many (message, source) pairs were stored."""
    sources = list(ProjectSource.objects.filter(connection=connection, is_active=True))
    stored = 0
    for source in sources:
        rows = [
            message_rows.row(source, conversation["id"], payload)
            for payload, conversation in _storable(payloads)
            if reads(source, inbox_of(payload, conversation))
        ]
        if rows:
            message_rows.upsert(source, rows)
            rechunk(source, [int(row.conversation_id) for row in rows])
            stored += len(rows)
    return stored


def _storable(payloads):
    for payload in payloads:
        conversation = payload.get("conversation") if isinstance(payload.get("conversation"), dict) else {}
        if payload.get("id") is not None and conversation.get("id") is not None:
            yield payload, conversation


def reads(source, inbox_id) -> bool:
    """Whether the source reads the inbox (a source without inboxes chosen reads them all)."""
    return not source.inbox_ids or (inbox_id is not None and int(inbox_id) in source.inbox_ids)


def reading_sources(connection, inbox_id) -> list[ProjectSource]:
    sources = ProjectSource.objects.filter(connection=connection, is_active=True)
    return [source for source in sources if reads(source, inbox_id)]


def inbox_of(payload, conversation):
    inbox = payload.get("inbox") if isinstance(payload.get("inbox"), dict) else {}
    value = conversation.get("inbox_id") or inbox.get("id") or payload.get("inbox_id")
    return int(value) if str(value or "").isdigit() else None
