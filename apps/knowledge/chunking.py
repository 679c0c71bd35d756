"""Cutting synced Chatwoot conversations into chunks: windows of consecutive messages.

A chunk never crosses a conversation. Windows of `WINDOW` messages start every `STRIDE` messages,
so a customer's question and the agent's answer always share at least one window, and a
conversation that grows only changes its last windows. Activity messages (assignments, status
changes) are left out; private notes are kept, marked in the text and flagged (`has_private`),
because agents' notes often hold the real answer — callers that show chunks to customers must
filter on the flag. Each line names the sender's role.

`rechunk` compares each window's content hash with the stored chunk: unchanged chunks keep their
vectors, changed ones go back to `pending` (their old vector is discarded), windows that no longer
exist are deleted."""

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from apps.knowledge import languages, vectors
from apps.knowledge.models import ChatwootMessage, Chunk

WINDOW = 4
STRIDE = 2
MAX_MESSAGE_CHARS = 2000
KIND = ChatwootMessage.Kind
STATUS = Chunk.EmbeddingStatus
ROLES = {"contact": "Customer", "user": "Agent", "agentbot": "Bot", "captainassistant": "Bot"}


@dataclass(frozen=True)
class Line:
    message_id: int
    role: str
    content: str
    private: bool

    @property
    def text(self) -> str:
        label = f"{self.role} (private note)" if self.private else self.role
        return f"{label}: {self.content}"


@dataclass(frozen=True)
class Window:
    first_message_id: int
    message_ids: tuple[int, ...]
    text: str
    content_hash: str
    has_private: bool
    language: str


def rechunk(source, conversation_ids) -> dict:
    """Brings the chunks of these conversations (Chatwoot ids) of one source up to date with their
    stored messages; returns counts: created, updated, unchanged, deleted."""
    conversation_ids = sorted(set(conversation_ids))
    lines = lines_by_conversation(source, conversation_ids)
    wanted = {
        (conversation_id, window.first_message_id): window
        for conversation_id in conversation_ids
        for window in conversation_windows(lines.get(conversation_id, []))
    }
    with transaction.atomic():
        return apply(source, conversation_ids, wanted)


def lines_by_conversation(source, conversation_ids) -> dict[int, list[Line]]:
    messages = (
        ChatwootMessage.objects.filter(source=source, conversation_id__in=conversation_ids)
        .exclude(message_type=KIND.ACTIVITY)
        .order_by("conversation_id", "message_id")
        .values_list("conversation_id", "message_id", "message_type", "sender_type", "private", "content")
    )
    lines = defaultdict(list)
    for conversation_id, message_id, message_type, sender_type, private, content in messages:
        content = " ".join(content.split())[:MAX_MESSAGE_CHARS]
        if content:
            lines[conversation_id].append(Line(message_id, role_of(message_type, sender_type), content, private))
    return lines


def role_of(message_type: str, sender_type: str) -> str:
    """Customer, Agent or Bot, from Chatwoot's sender type, else from the message's direction."""
    role = ROLES.get(sender_type.lower().replace("_", "").replace("::", ""))
    if role:
        return role
    return "Customer" if message_type == KIND.INCOMING else "Agent"


def conversation_windows(lines: list[Line], *, size: int = WINDOW, stride: int = STRIDE) -> list[Window]:
    """The windows of one conversation's lines. Windows start every `stride` lines while the
    previous one leaves lines uncovered, so the last may be shorter and a growing conversation
    only updates or adds windows at its end. Each line's language signs are counted once."""
    starts = [start for start in range(0, len(lines), stride) if start == 0 or start + size - stride < len(lines)]
    signs = [languages.scores(line.content) for line in lines]
    fallback = languages.decide(sum(signs, Counter()))
    return [make_window(lines[start : start + size], signs[start : start + size], fallback) for start in starts]


def make_window(lines: list[Line], signs: list[Counter], fallback_language: str) -> Window:
    text = "\n".join(line.text for line in lines)
    language = languages.decide(sum(signs, Counter()))
    return Window(
        first_message_id=lines[0].message_id,
        message_ids=tuple(line.message_id for line in lines),
        text=text,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        has_private=any(line.private for line in lines),
        language=fallback_language if language == languages.SIMPLE else language,
    )


def apply(source, conversation_ids, wanted: dict[tuple[int, int], Window]) -> dict:
    """Writes the conversations' windows, keyed by (conversation id, first message id), over their
    stored chunks; returns the counts."""
    stored = Chunk.objects.filter(source=source, conversation_id__in=conversation_ids)
    stored = {(chunk.conversation_id, chunk.first_message_id): chunk for chunk in stored.only(*STORED_FIELDS)}
    stale = [chunk.pk for key, chunk in stored.items() if key not in wanted]
    changed = [(stored[key], window) for key, window in wanted.items() if key in stored]
    changed = [(chunk, window) for chunk, window in changed if chunk.content_hash != window.content_hash]
    new = [(key[0], window) for key, window in wanted.items() if key not in stored]
    Chunk.objects.filter(pk__in=stale).delete()
    _update(changed)
    Chunk.objects.bulk_create([_new_chunk(source, *pair) for pair in new], batch_size=1000)
    unchanged = len(wanted) - len(new) - len(changed)
    return {"created": len(new), "updated": len(changed), "unchanged": unchanged, "deleted": len(stale)}


STORED_FIELDS = ("pk", "conversation_id", "first_message_id", "content_hash")


def _new_chunk(source, conversation_id, window: Window) -> Chunk:
    chunk = Chunk(tenant_id=source.tenant_id, project_id=source.project_id, source_id=source.pk)
    chunk.conversation_id = conversation_id
    return _fill(chunk, window)


def _fill(chunk: Chunk, window: Window) -> Chunk:
    chunk.first_message_id = window.first_message_id
    chunk.message_ids = list(window.message_ids)
    chunk.text = window.text
    chunk.content_hash = window.content_hash
    chunk.has_private = window.has_private
    chunk.language = window.language
    chunk.embedding_status, chunk.embedding_error, chunk.embedding_attempts = STATUS.PENDING, "", 0
    chunk.embedded_at = chunk.embedding_claimed_at = None
    return chunk


UPDATED_FIELDS = [
    "message_ids",
    "text",
    "content_hash",
    "has_private",
    "language",
    "embedding_status",
    "embedding_error",
    "embedding_attempts",
    "embedded_at",
    "embedding_claimed_at",
    "updated_at",
]


def _update(changed: list[tuple[Chunk, Window]]) -> None:
    if not changed:
        return
    chunks = [_fill(chunk, window) for chunk, window in changed]
    now = timezone.now()
    for chunk in chunks:
        chunk.updated_at = now
    vectors.discard(chunk.pk for chunk in chunks)
    Chunk.objects.bulk_update(chunks, UPDATED_FIELDS, batch_size=500)
