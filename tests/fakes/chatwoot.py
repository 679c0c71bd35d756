"""A local Chatwoot: its health endpoint, and its application API over an in-memory corpus.

Health: `GET /rails/health` is 200 with Rails' green HTML page when the app booted, 500 with an
error page when it raises (database or Redis behind it gone), 502/503 from its proxy when the app
is down, or no answer at all (`up()`, `down()`, `health_script()`).

API, answered as Chatwoot's controllers, finders and jbuilder views answer it:

- `GET /api/v1/accounts/<account>/conversations?status=&page=&sort_by=&inbox_id=`:
  `{"data": {"meta": {mine_count, assigned_count, unassigned_count, all_count}, "payload": [...]}}`,
  25 a page, newest activity first (`sort_by` also takes `last_activity_at_asc`, `created_at_desc`,
  `created_at_asc`); `status` defaults to `open`, `all` lists every status.
- `GET …/conversations/<id>/messages?after=&before=`: `{"meta": {...}, "payload": [...]}`; `after`
  gives the next 100 oldest first, `before` the 20 before it, neither the latest 20.
- `POST …/conversations/<id>/messages` stores an outgoing message (or a private note) and returns it
  as `messages/create.json.jbuilder` renders it (integer `message_type`, epoch `created_at`, the
  request's `echo_id`, the token owner as `sender`); `fail_post()` scripts a refusal of the next
  posts, optionally after storing the message (Chatwoot stored it, then its proxy answered 5xx).

Webhooks: after `send_webhooks_to(url, secret=None)`, every message created through the API or by
`customer_writes()` / `agent_writes()` is delivered to `url` as Chatwoot's account webhook does it
(`message_created` with `Message#webhook_data`: type by name, ISO `created_at`, `private`, the
sender's `webhook_data` with its `type`, the conversation, inbox and account), from a background
thread in creation order (Chatwoot sends from a job, after answering the API), signed with
`X-Chatwoot-Signature: sha256=<HMAC of "{timestamp}.{body}">` and `X-Chatwoot-Timestamp` when the
webhook has a secret. `deliveries` records each (payload, HTTP status).
- Errors: a wrong `api_access_token` header is 401 `{"error": "Invalid Access Token"}`; an unknown
  account or conversation 404 `{"error": "Resource could not be found"}`; `fail_next()` scripts
  429 (rack-attack's `Retry later`, optionally with Retry-After), 500 (Rails' JSON error) or any
  reply for the next API requests.

Use it as a context manager. Typical test:

    with FakeChatwoot(account_id=3, token="tok") as chatwoot:
        conversation = chatwoot.add_conversation(inbox_id=1, status="resolved")
        chatwoot.add_message(conversation["id"], "Can I check in early?")               # incoming
        chatwoot.add_message(conversation["id"], "Yes, from 11:00.", message_type=1)     # outgoing
        connection = make_chatwoot_connection(chatwoot)   # tests.knowledge.factories
        ...
        chatwoot.api_requests("messages")   # what Opsdesk asked for (Recorded: path, query, headers)

`load_corpus(conversations)` takes the demo corpus' shape (apps/knowledge/demo_corpus.json)."""

import hashlib
import hmac
import json
import queue
import re
import threading
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import parse_qs

import requests

from tests.fakes.server import FakeServer, Reply

HTML = {"Content-Type": "text/html; charset=utf-8"}
UP = Reply(200, '<!DOCTYPE html><html><body style="background-color: green"></body></html>', HTML)
DOWN = Reply(500, '<!DOCTYPE html><html><body style="background-color: red"></body></html>', HTML)
BAD_GATEWAY = Reply(502, "<html><body><h1>502 Bad Gateway</h1></body></html>", HTML)
UNAUTHORIZED = Reply(401, {"error": "Invalid Access Token"})
NOT_FOUND = Reply(404, {"error": "Resource could not be found"})
SERVER_ERROR = Reply(500, {"status": 500, "error": "Internal Server Error"})
MESSAGE_TYPES = {"incoming": 0, "outgoing": 1, "activity": 2, "template": 3}
CONVERSATIONS_PER_PAGE = 25
T0 = 1_764_000_000  # epoch seconds, late November 2025

CONVERSATIONS = re.compile(r"/api/v1/accounts/(?P<account>[^/]+)/conversations")
MESSAGES = re.compile(r"/api/v1/accounts/(?P<account>[^/]+)/conversations/(?P<conversation>\d+)/messages")
CONTACTS = re.compile(r"/api/v1/accounts/(?P<account>[^/]+)/contacts")
TOGGLE = re.compile(r"/api/v1/accounts/(?P<account>[^/]+)/conversations/(?P<conversation>\d+)/toggle_status")
SORTS = {
    "last_activity_at_desc": (lambda c: c["last_activity_at"], True),
    "last_activity_at_asc": (lambda c: c["last_activity_at"], False),
    "created_at_desc": (lambda c: c["created_at"], True),
    "created_at_asc": (lambda c: c["created_at"], False),
}


def silent(seconds):
    return Reply(200, UP.body, HTML, delay=seconds)


def rate_limited(retry_after=None):
    """Rack::Attack's throttled response: text, no JSON; Chatwoot sets no Retry-After by default."""
    headers = {"Content-Type": "text/plain"}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return Reply(429, "Retry later\n", headers)


class FakeChatwoot(FakeServer):
    HEALTH = "/rails/health"

    def __init__(self, *, account_id=1, token="test-chatwoot-token"):
        super().__init__()
        self.account_id, self.token = str(account_id), token
        self.conversations: dict[int, dict] = {}
        self.messages: dict[int, list[dict]] = {}
        self.contacts: dict[int, dict] = {}
        self._failures: list[list] = []  # [only, let through first, reply]
        self._ids = {"conversation": 0, "message": 0, "contact": 0}
        self._clock = T0
        self.api_sender = {"id": 7, "name": "Opsdesk API user", "type": "user"}
        self.agent = {"id": 1, "name": "Grace (agent)", "type": "user"}
        self.deliveries: list[tuple[dict, int]] = []
        self._post_failures: list[list] = []  # [private or None, reply, store first]
        self._webhook = None  # (url, secret)
        self._outbox: queue.Queue = queue.Queue()
        self._sending = 0
        threading.Thread(target=self._deliver_forever, daemon=True).start()
        self.up()

    # --- health ---------------------------------------------------------------------------------

    def up(self):
        self.route("GET", self.HEALTH, UP)

    def down(self, reply=DOWN):
        self.route("GET", self.HEALTH, reply)

    def health_script(self, *replies):
        """The next health requests get these replies in order; the last repeats."""
        self.queue("GET", self.HEALTH, *replies)

    @property
    def health_requests(self):
        return self.requests_to(self.HEALTH)

    # --- the corpus -----------------------------------------------------------------------------

    def tick(self, seconds=60) -> int:
        """Moves the fake's clock (epoch seconds) on and returns it: new activity is newer."""
        with self._lock:
            self._clock += seconds
            return self._clock

    def add_conversation(self, *, inbox_id=1, status="open", contact_name="Ada Lovelace", at=None, **extra) -> dict:
        with self._lock:
            self._ids["conversation"] += 1
            self._ids["contact"] += 1
            at = at if at is not None else self._clock
            conversation = {
                "id": extra.pop("id", self._ids["conversation"]),
                "inbox_id": inbox_id,
                "status": status,
                "contact": {"id": self._ids["contact"], "name": contact_name, "type": "contact"},
                "created_at": at,
                "last_activity_at": at,
                **extra,
            }
            self.conversations[conversation["id"]] = conversation
            self.messages[conversation["id"]] = []
            return conversation

    def add_message(
        self, conversation_id, content, *, message_type=0, private=False, sender=None, at=None, **extra
    ) -> dict:
        """Adds a message (type as Chatwoot's integer or its name) and moves the conversation's
        last activity to it, as Chatwoot does. The sender defaults to the contact for incoming
        messages and to an agent otherwise."""
        message_type = MESSAGE_TYPES.get(message_type, message_type)
        with self._lock:
            conversation = self.conversations[conversation_id]
            self._ids["message"] += 1
            self._clock = max(self._clock + 1, at or 0)
            created = at if at is not None else self._clock
            message = {
                "id": extra.pop("id", self._ids["message"]),
                "content": content,
                "inbox_id": conversation["inbox_id"],
                "conversation_id": conversation_id,
                "message_type": message_type,
                "content_type": "text",
                "content_attributes": {},
                "created_at": created,
                "private": private,
                "source_id": None,
                "sender": sender if sender is not None else self._sender(conversation, message_type),
                **extra,
            }
            self.messages[conversation_id].append(message)
            conversation["last_activity_at"] = max(conversation["last_activity_at"], created)
            return message

    def edit_message(self, conversation_id, message_id, content):
        """Changes a message's text without touching the conversation's activity (Chatwoot edits
        move nothing either)."""
        with self._lock:
            for message in self.messages[conversation_id]:
                if message["id"] == message_id:
                    message["content"] = content

    def set_status(self, conversation_id, status):
        with self._lock:
            self._clock += 1
            self.conversations[conversation_id].update(status=status, last_activity_at=self._clock)

    def load_corpus(self, conversations) -> int:
        """Loads conversations shaped as apps/knowledge/demo_corpus.json holds them; returns the
        number of messages added."""
        added = 0
        for item in conversations:
            conversation = self.add_conversation(
                inbox_id=item.get("inbox_id", 1),
                status=item.get("status", "resolved"),
                contact_name=item["contact"],
                **({"id": item["id"]} if "id" in item else {}),
            )
            for turn in item["messages"]:
                self.add_message(
                    conversation["id"], turn["content"], message_type=turn["type"], private=turn.get("private", False)
                )
                added += 1
        return added

    def _sender(self, conversation, message_type):
        if message_type == 0:
            return conversation["contact"]
        return {"id": 1, "name": "Grace (agent)", "type": "user"}

    # --- scripted failures and what was asked ---------------------------------------------------

    def fail_next(self, *replies, only=None, after=0):
        """The next API requests (not health) get these replies, one each, then the API answers
        again; `only="messages"` or `"conversations"` scripts just that endpoint's requests, and
        `after=n` lets n of them through first."""
        with self._lock:
            self._failures.extend([only, after, reply] for reply in replies)

    def api_requests(self, what=None, method="GET"):
        """Recorded API requests: `what` is "conversations", "messages" or None for both."""
        found = []
        for request in self.requests:
            if request.method != method or not request.path.startswith("/api/"):
                continue
            kind = "messages" if MESSAGES.fullmatch(request.path) else "conversations"
            if what in (None, kind):
                found.append(request)
        return found

    @staticmethod
    def params(request) -> dict:
        return {key: values[-1] for key, values in parse_qs(request.query).items()}

    # --- webhooks back to Opsdesk and the people in the conversation ----------------------------

    def send_webhooks_to(self, url, secret=None):
        self._webhook = (url, secret)

    def customer_writes(self, conversation_id, content) -> dict:
        """The conversation's contact writes: stored, and delivered as a webhook."""
        return self._notify(self.add_message(conversation_id, content, message_type=0))

    def agent_writes(self, conversation_id, content, *, private=False, agent=None) -> dict:
        """An agent replies (or adds a private note) in Chatwoot's dashboard."""
        sender = agent or self.agent
        return self._notify(self.add_message(conversation_id, content, message_type=1, private=private, sender=sender))

    def outgoing(self, conversation_id, *, private=False) -> list[dict]:
        """The conversation's outgoing messages (private notes with `private=True`)."""
        with self._lock:
            found = [m for m in self.messages[conversation_id] if m["message_type"] == 1]
        return [m for m in found if bool(m["private"]) == private]

    def webhooks_idle(self) -> bool:
        return self._outbox.empty() and not self._sending

    def fail_post(self, *replies, private=None, store=False):
        """The next message posts (only notes with private=True, only replies with False) get these
        replies; with `store`, the message is stored (and its webhook sent) before the reply."""
        with self._lock:
            self._post_failures.extend([private, reply, store] for reply in replies)

    def webhook_payload(self, message) -> dict:
        conversation = self.conversations[message["conversation_id"]]
        kind = {v: k for k, v in MESSAGE_TYPES.items()}[message["message_type"]]
        created = datetime.fromtimestamp(message["created_at"], tz=UTC).isoformat().replace("+00:00", "Z")
        return {
            "event": "message_created",
            "id": message["id"],
            "content": message["content"],
            "created_at": created,
            "message_type": kind,
            "content_type": message["content_type"],
            "content_attributes": message["content_attributes"],
            "additional_attributes": {},
            "source_id": message["source_id"],
            "private": message["private"],
            "sender": {key: value for key, value in message["sender"].items() if key != "avatar_url"},
            "inbox": {"id": conversation["inbox_id"], "name": f"Inbox {conversation['inbox_id']}"},
            "conversation": {
                "id": conversation["id"],
                "inbox_id": conversation["inbox_id"],
                "status": conversation["status"],
                "account_id": int(self.account_id),
                "channel": "Channel::Api",
                "meta": {"sender": conversation["contact"], "assignee": None},
                "timestamp": conversation["last_activity_at"],
            },
            "account": {"id": int(self.account_id), "name": "Acme Hotels"},
        }

    def _notify(self, message) -> dict:
        if self._webhook is not None:
            self._outbox.put(self.webhook_payload(message))
        return message

    def _deliver_forever(self):
        while True:
            payload = self._outbox.get()
            self._sending += 1
            try:
                self._deliver(payload)
            finally:
                self._sending -= 1

    def _deliver(self, payload):
        url, secret = self._webhook
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json", "X-Chatwoot-Delivery": str(uuid.uuid4())}
        if secret:
            timestamp = str(int(time.time()))
            digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
            headers.update({"X-Chatwoot-Signature": f"sha256={digest}", "X-Chatwoot-Timestamp": timestamp})
        try:
            status = requests.post(url, data=body, headers=headers, timeout=30).status_code
        except requests.RequestException:
            status = 0  # Chatwoot sends once and never retries
        self.deliveries.append((payload, status))

    # --- answering ------------------------------------------------------------------------------

    def answer(self, request) -> Reply:
        if not request.path.startswith("/api/"):
            return super().answer(request)
        kind = "messages" if MESSAGES.fullmatch(request.path) else "conversations"
        with self._lock:
            scripted = next((f for f in self._failures if f[0] in (None, kind)), None)
            if scripted is not None and scripted[1] > 0:
                scripted[1] -= 1
            elif scripted is not None:
                self._failures.remove(scripted)
                return scripted[2]
        if request.headers.get("api_access_token") != self.token:
            return UNAUTHORIZED
        return self._api(request)

    def _api(self, request) -> Reply:
        created = self._create(request) if request.method == "POST" else None
        if created is not None:
            return created
        messages = MESSAGES.fullmatch(request.path)
        conversations = CONVERSATIONS.fullmatch(request.path)
        match = messages or conversations
        if match is None or match["account"] != self.account_id:
            return NOT_FOUND
        if messages:
            return self._messages(int(messages["conversation"]), request)
        if request.method == "GET":
            return self._conversation_page(self.params(request))
        return NOT_FOUND

    def _create(self, request) -> Reply | None:
        """POST /contacts, /conversations and /conversations/<id>/toggle_status, answered as
        Chatwoot's contacts#create, conversations#create and conversations#toggle_status."""
        answers = ((CONTACTS, self._new_contact), (CONVERSATIONS, self._new_conversation), (TOGGLE, self._toggle))
        for pattern, answer in answers:
            match = pattern.fullmatch(request.path)
            if match and match["account"] == self.account_id:
                return answer(request.json() or {}, match)
        return None

    def _new_contact(self, body, match) -> Reply:
        with self._lock:
            self._ids["contact"] += 1
            contact = {"id": self._ids["contact"], "name": body.get("name") or "", "type": "contact"}
            self.contacts[contact["id"]] = contact
        inbox = {"id": body.get("inbox_id"), "name": f"Inbox {body.get('inbox_id')}"}
        contact_inbox = {"inbox": inbox, "source_id": str(uuid.uuid4())}
        return Reply(200, {"payload": {"contact": contact, "contact_inbox": contact_inbox}})

    def _new_conversation(self, body, match) -> Reply:
        contact = self.contacts.get(body.get("contact_id"))
        if contact is None or body.get("inbox_id") is None:
            return NOT_FOUND
        extra = {"additional_attributes": body.get("additional_attributes") or {}}
        conversation = self.add_conversation(inbox_id=int(body["inbox_id"]), status=body.get("status") or "open")
        conversation.update(contact=contact, **extra)
        return Reply(200, self._conversation_json(conversation))

    def _toggle(self, body, match) -> Reply:
        conversation_id = int(match["conversation"])
        if conversation_id not in self.conversations:
            return NOT_FOUND
        status = body.get("status") or "resolved"
        self.set_status(conversation_id, status)
        payload = {"success": True, "conversation_id": conversation_id, "current_status": status, "snoozed_until": None}
        return Reply(200, {"meta": {}, "payload": payload})

    def _conversation_page(self, params) -> Reply:
        with self._lock:
            listed = [c for c in self.conversations.values() if _listed(c, params)]
            key, reverse = SORTS.get(params.get("sort_by"), SORTS["last_activity_at_desc"])
            listed.sort(key=lambda c: (key(c), c["id"]), reverse=reverse)
            page = max(1, int(params.get("page") or 1))
            start = (page - 1) * CONVERSATIONS_PER_PAGE
            payload = [self._conversation_json(c) for c in listed[start : start + CONVERSATIONS_PER_PAGE]]
        meta = {"mine_count": 0, "assigned_count": 0, "unassigned_count": len(listed), "all_count": len(listed)}
        return Reply(200, {"data": {"meta": meta, "payload": payload}})

    def _conversation_json(self, conversation) -> dict:
        last = self.messages[conversation["id"]][-1:] or []
        return {
            "meta": {"sender": conversation["contact"], "channel": "Channel::Api"},
            "id": conversation["id"],
            "messages": last,
            "account_id": int(self.account_id),
            "inbox_id": conversation["inbox_id"],
            "status": conversation["status"],
            "muted": False,
            "can_reply": True,
            "timestamp": conversation["last_activity_at"],
            "last_activity_at": conversation["last_activity_at"],
            "created_at": conversation["created_at"],
            "contact_last_seen_at": 0,
            "agent_last_seen_at": 0,
            "unread_count": 0,
            "additional_attributes": conversation.get("additional_attributes") or {},
            "labels": [],
        }

    def _messages(self, conversation_id, request) -> Reply:
        if conversation_id not in self.conversations:
            return NOT_FOUND
        if request.method == "POST":
            return self._create_message(conversation_id, request.json() or {})
        params = self.params(request)
        with self._lock:
            listed = list(self.messages[conversation_id])
            conversation = self.conversations[conversation_id]
        payload = _window(listed, params)
        meta = {"labels": [], "additional_attributes": {}, "contact": conversation["contact"]}
        return Reply(200, {"meta": meta, "payload": payload})

    def _create_message(self, conversation_id, body) -> Reply:
        if not body.get("content"):
            return Reply(422, {"error": "Content can't be blank"})
        failure = self._post_failure(bool(body.get("private")))
        if failure is not None and not failure[2]:
            return failure[1]
        message = self.add_message(
            conversation_id,
            body["content"],
            message_type=body.get("message_type") or "outgoing",
            private=bool(body.get("private")),
            sender=self._api_message_sender(conversation_id, body),
        )
        self._notify(message)
        if failure is not None:
            return failure[1]
        return Reply(200, {**message, "echo_id": body.get("echo_id")})

    def _api_message_sender(self, conversation_id, body) -> dict:
        """MessageBuilder: an incoming message posted through the API is the contact's."""
        if body.get("message_type") == "incoming":
            return self.conversations[conversation_id]["contact"]
        return dict(self.api_sender)

    def _post_failure(self, private):
        with self._lock:
            found = next((f for f in self._post_failures if f[0] in (None, private)), None)
            if found is not None:
                self._post_failures.remove(found)
            return found


def _listed(conversation, params) -> bool:
    status = params.get("status") or "open"
    if status != "all" and conversation["status"] != status:
        return False
    inbox = params.get("inbox_id")
    return inbox is None or str(conversation["inbox_id"]) == str(inbox)


def _window(messages, params) -> list[dict]:
    """MessageFinder: after → the next 100 ascending; before → the 20 before, ascending; else the latest 20."""
    ordered = sorted(messages, key=lambda m: (m["created_at"], m["id"]))
    after, before = params.get("after"), params.get("before")
    if after is not None and before is not None:
        return [m for m in ordered if int(after) <= m["id"] < int(before)][:1000]
    if after is not None:
        return [m for m in ordered if m["id"] > int(after)][:100]
    if before is not None:
        return [m for m in ordered if m["id"] < int(before)][-20:]
    return ordered[-20:]
