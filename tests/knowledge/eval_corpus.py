"""The evaluation set's conversations (bench/data/knowledge_eval.json) stored the way the sync
stores Chatwoot messages, chunked by the real chunker and embedded by the real local model, for
the search tests and bench/knowledge_bench.py."""

from datetime import UTC, datetime, timedelta

from apps.knowledge import chunking, embedding, evaluation
from apps.knowledge.models import ChatwootMessage

KIND = ChatwootMessage.Kind
ROLES = {
    "c": (KIND.INCOMING, False, "contact"),
    "a": (KIND.OUTGOING, False, "user"),
    "n": (KIND.OUTGOING, True, "user"),
}
T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def store(source, conversations) -> int:
    """Stores each conversation's messages (ids conversation*100 + position) and chunks them;
    returns how many messages were stored."""
    rows = [
        message(source, conversation, position, turn)
        for conversation in conversations
        for position, turn in enumerate(conversation["messages"], 1)
    ]
    ChatwootMessage.objects.bulk_create(rows)
    chunking.rechunk(source, [conversation["id"] for conversation in conversations])
    return len(rows)


def message(source, conversation, position, turn):
    kind, private, sender = ROLES[turn[0]]
    message_id = conversation["id"] * 100 + position
    return ChatwootMessage(
        tenant_id=source.tenant_id,
        project_id=source.project_id,
        source=source,
        conversation_id=conversation["id"],
        message_id=message_id,
        message_type=kind,
        private=private,
        sender_type=sender,
        content=turn[1],
        created_at=T0 + timedelta(minutes=message_id),
    )


def embed(project) -> int:
    """Embeds the project's pending chunks through the embed job; returns how many it embedded."""
    return embedding.run(project_id=project.pk, trigger="test")["embedded"]


def load(source, *, ids=None) -> dict:
    """Stores, chunks and embeds the evaluation conversations (all, or those in `ids`) into
    `source`'s project; returns the evaluation set."""
    data = evaluation.load_set()
    conversations = [c for c in data["conversations"] if ids is None or c["id"] in ids]
    store(source, conversations)
    embed(source.project)
    return data
