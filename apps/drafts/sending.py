"""Posting to the draft's Chatwoot conversation (the note, the reply), and finding out whether an
earlier attempt already got there: Chatwoot may store a message and still answer 5xx, and a worker
may die between Chatwoot's answer and our record, so a second attempt looks before it posts."""

from apps.integrations.chatwoot.client import RETRIED, ChatwootClient, ChatwootError
from apps.knowledge.messages import message_kind

__all__ = ["ChatwootError", "find_posted", "post", "retryable"]


def client_for(draft) -> ChatwootClient:
    return ChatwootClient(draft.source.connection)


def post(draft, content: str, *, private: bool) -> dict:
    """The message as Chatwoot stored it (its `id` is what we record); ChatwootError when refused."""
    return client_for(draft).create_message(draft.conversation_id, content, private=private)


def find_posted(draft, content: str, *, private: bool) -> dict | None:
    """Among the conversation's latest messages, an outgoing one with this content and privacy posted
    after the customer's message the draft answers (Chatwoot's ids only grow; clocks may differ)."""
    wanted = content.strip()
    for message in reversed(client_for(draft).messages(draft.conversation_id)):
        if int(message.get("id") or 0) > draft.message_id and _same(message, wanted, private):
            return message
    return None


def retryable(error: ChatwootError) -> bool:
    return error.kind in RETRIED


def _same(message: dict, content: str, private: bool) -> bool:
    outgoing = message_kind(message.get("message_type")) == "outgoing"
    return outgoing and bool(message.get("private")) == private and str(message.get("content") or "").strip() == content
