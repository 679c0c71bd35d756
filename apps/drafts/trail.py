"""What the draft's page shows, the same in the admin and the portal: the customer's message, the
search hits with their scores, the AI request, the note, the decision (with the edit as a diff),
the published message and any failure."""

import difflib

from apps.core import zones

TIMES = ("message_at", "created_at", "proposed_at", "approved_at", "published_at", "closed_at", "failed_at")


def edit_diff(draft) -> list[str]:
    """The approved text against the draft, line by line ('- ' removed, '+ ' added), when edited."""
    if not draft.edited:
        return []
    before, after = draft.text.strip().splitlines(), draft.approved_text.strip().splitlines()
    return [line for line in difflib.ndiff(before, after) if not line.startswith("? ")]


def chatwoot_link(draft, conversation_id=None) -> str:
    base = (draft.source.connection.setting("base_url") or "").rstrip("/")
    account = draft.source.connection.setting("account_id")
    if not base or not account:
        return ""
    return f"{base}/app/accounts/{account}/conversations/{conversation_id or draft.conversation_id}"


def context(draft) -> dict:
    return {
        "draft": draft,
        "hits": draft.search_hits or [],
        "used": {s.get("conversation_id") for s in draft.sources or []},
        "diff": edit_diff(draft),
        "conversation_url": chatwoot_link(draft),
        "times": {name: zones.when(getattr(draft, name)) for name in TIMES},
    }
