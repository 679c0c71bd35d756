"""The demo providers' Chatwoot account: the demo corpus (apps/knowledge/demo_corpus.json) answered
as Chatwoot's application API answers it, so `make run` syncs it through the real sync code.

- `GET /api/v1/accounts/<id>/conversations?status=&page=&sort_by=&inbox_id=`: `{"data": {"meta":
  {...}, "payload": [...]}}`, 25 a page, newest activity first, `status` defaulting to `open`.
- `GET …/conversations/<id>/messages?after=|before=`: `{"meta": {...}, "payload": [...]}`, the next 100
  after a message id (oldest first), the 20 before one, or the latest 20.
- No `api_access_token` header: 401 `{"error": "Invalid Access Token"}`; another account or an
  unknown conversation: 404 `{"error": "Resource could not be found"}`.

A conversation's times are its `days_ago` before today (midnight UTC) plus a few minutes a message,
so every start of the demo providers on one day serves the same times and a sync finds nothing new.
Demo equipment, not a test double: tests use tests/fakes/chatwoot.py."""

import json
import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs

CORPUS = Path(__file__).resolve().parent.parent / "knowledge" / "demo_corpus.json"
TYPES = {"incoming": 0, "outgoing": 1, "activity": 2, "template": 3}
PER_PAGE = 25
UNAUTHORIZED = 401, {"error": "Invalid Access Token"}
NOT_FOUND = 404, {"error": "Resource could not be found"}
MESSAGES = re.compile(r"/chatwoot/api/v1/accounts/(?P<account>[^/]+)/conversations/(?P<conversation>\d+)/messages")
CONVERSATIONS = re.compile(r"/chatwoot/api/v1/accounts/(?P<account>[^/]+)/conversations")


def answer(method, path, query, headers):
    """(status, body) for a GET under /chatwoot/api/."""
    if not (headers.get("api_access_token") or headers.get("Api-Access-Token")):
        return UNAUTHORIZED
    account = _account(_today())
    messages, conversations = MESSAGES.fullmatch(path), CONVERSATIONS.fullmatch(path)
    match = messages or conversations
    if method != "GET" or match is None or match["account"] != str(account["account_id"]):
        return NOT_FOUND
    params = {key: values[-1] for key, values in parse_qs(query).items()}
    if messages:
        return _messages(account, int(messages["conversation"]), params)
    return _conversation_page(account, params)


def _today():
    return datetime.now(UTC).date()


@lru_cache(maxsize=2)
def _account(day) -> dict:
    """The corpus as Chatwoot would hold it on `day`: conversations with ids, times and messages."""
    corpus = json.loads(CORPUS.read_text())
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    conversations, message_id = {}, 1000
    for item in sorted(corpus["conversations"], key=lambda c: (-c["days_ago"], c["id"])):
        start = midnight - timedelta(days=item["days_ago"], hours=-9)
        contact = {"id": item["id"] + 5000, "name": item["contact"], "type": "contact"}
        listed = []
        for offset, turn in enumerate(item["messages"]):
            message_id += 1
            listed.append(_message(item, turn, message_id, start + timedelta(minutes=4 * offset), contact))
        conversations[item["id"]] = {"item": item, "contact": contact, "messages": listed}
    return {"account_id": corpus["account_id"], "conversations": conversations}


def _message(item, turn, message_id, at, contact) -> dict:
    kind = TYPES.get(turn["type"], 2)
    sender = contact if kind == 0 else {"id": 1, "name": "Sofia (front desk)", "type": "user"}
    return {
        "id": message_id,
        "content": turn["content"],
        "inbox_id": item["inbox_id"],
        "conversation_id": item["id"],
        "message_type": kind,
        "content_type": "text",
        "content_attributes": {},
        "created_at": int(at.timestamp()),
        "private": bool(turn.get("private")),
        "source_id": None,
        "sender": sender if kind != 2 else None,
    }


def _conversation_page(account, params):
    status, inbox = params.get("status") or "open", params.get("inbox_id")
    listed = [
        c
        for c in account["conversations"].values()
        if (status == "all" or c["item"]["status"] == status) and (inbox is None or str(c["item"]["inbox_id"]) == inbox)
    ]
    newest_first = params.get("sort_by", "last_activity_at_desc") != "last_activity_at_asc"
    listed.sort(key=lambda c: (_activity(c), c["item"]["id"]), reverse=newest_first)
    page = max(1, _number(params.get("page")) or 1)
    payload = [_conversation(account, c) for c in listed[(page - 1) * PER_PAGE : page * PER_PAGE]]
    meta = {"mine_count": 0, "assigned_count": 0, "unassigned_count": len(listed), "all_count": len(listed)}
    return 200, {"data": {"meta": meta, "payload": payload}}


def _activity(conversation) -> int:
    return conversation["messages"][-1]["created_at"] if conversation["messages"] else 0


def _conversation(account, conversation) -> dict:
    item = conversation["item"]
    return {
        "meta": {"sender": conversation["contact"], "channel": "Channel::Api"},
        "id": item["id"],
        "messages": conversation["messages"][-1:],
        "account_id": account["account_id"],
        "inbox_id": item["inbox_id"],
        "status": item["status"],
        "timestamp": _activity(conversation),
        "last_activity_at": _activity(conversation),
        "created_at": conversation["messages"][0]["created_at"] if conversation["messages"] else 0,
        "unread_count": 0,
        "additional_attributes": {},
        "labels": [],
    }


def _messages(account, conversation_id, params):
    conversation = account["conversations"].get(conversation_id)
    if conversation is None:
        return NOT_FOUND
    ordered = conversation["messages"]
    after, before = _number(params.get("after")), _number(params.get("before"))
    if after is not None:
        payload = [m for m in ordered if m["id"] > after][:100]
    elif before is not None:
        payload = [m for m in ordered if m["id"] < before][-20:]
    else:
        payload = ordered[-20:]
    meta = {"labels": [], "additional_attributes": {}, "contact": conversation["contact"]}
    return 200, {"meta": meta, "payload": payload}


def _number(value):
    return int(value) if value is not None and str(value).isdigit() else None
