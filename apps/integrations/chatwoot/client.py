"""Chatwoot's application API, as the knowledge sync and the AI drafts call it.

Every request carries the connection's `api_access_token` header and goes to
`<base_url>/api/v1/accounts/<account_id>/…`. What Chatwoot answers (see its ConversationFinder,
MessageFinder, controllers and jbuilder views):

- `GET …/conversations?status=&page=&sort_by=&inbox_id=` → `{"data": {"meta": {…counts},
  "payload": [conversation, …]}}`, 25 a page; `status` defaults to `open` (`all` lists every one).
- `GET …/conversations/<id>/messages?after=<message id>` → `{"meta": {…}, "payload": [message, …]}`,
  the next 100 in ascending order (`before=`: the 20 before it; neither: the latest 20).
  A message's `message_type` is 0 incoming, 1 outgoing, 2 activity, 3 template; `created_at` is
  epoch seconds; private notes are outgoing with `private: true`.
- `POST …/contacts` `{"inbox_id", "name"}` → `{"payload": {"contact": {…}, "contact_inbox": {…}}}`;
  `POST …/conversations` `{"inbox_id", "contact_id", "status", "additional_attributes"}` → the
  conversation; `POST …/conversations/<id>/toggle_status` `{"status"}` → `{"meta": {}, "payload":
  {"success", "conversation_id", "current_status"}}` (the support-loop check's test conversation).
- Errors: 401 `{"error": "Invalid Access Token"}`, 404 `{"error": "Resource could not be found"}` for
  an unknown account or conversation, 429 `Retry later` from rack-attack, 5xx from Rails or its proxy.

429, 5xx, timeouts and refused connections are tried again (CHATWOOT_MAX_ATTEMPTS, exponential
backoff with jitter, never sooner than `Retry-After`); a `Retry-After` beyond CHATWOOT_BACKOFF_MAX_S
ends the call instead of holding a worker. Anything else raises `ChatwootError` at once."""

import time
from urllib.parse import urlencode

import requests
from django.conf import settings

from apps.core import backoff
from apps.integrations import http

UNAUTHORIZED, NOT_FOUND, RATE_LIMITED, SERVER_ERROR = "unauthorized", "not_found", "rate_limited", "server_error"
TIMEOUT, CONNECTION, BAD_REQUEST, INVALID_RESPONSE = "timeout", "connection", "bad_request", "invalid_response"
NOT_CONFIGURED = "not_configured"
RETRIED = {RATE_LIMITED, SERVER_ERROR, TIMEOUT, CONNECTION}
MESSAGE_TYPES = {0: "incoming", 1: "outgoing", 2: "activity", 3: "template"}
CONVERSATIONS_PER_PAGE = 25
MESSAGES_AFTER_PAGE = 100

_session = requests.Session()


class ChatwootError(Exception):
    """A Chatwoot call that failed: `kind` (one of the constants above), `status` (HTTP status or
    None), `endpoint` ("GET /api/v1/accounts/3/conversations?…"), `retry_after` (seconds or None)
    and `message` (what Chatwoot said, or what went wrong on the way)."""

    def __init__(self, kind, message, *, status=None, endpoint="", retry_after=None):
        self.kind, self.message, self.status = kind, message, status
        self.endpoint, self.retry_after = endpoint, retry_after
        super().__init__(self.describe())

    def describe(self) -> str:
        answer = f"answered HTTP {self.status}" if self.status else "failed"
        return f"{self.endpoint or 'Chatwoot'} {answer}: {self.message}"


class ChatwootClient:
    """One connection's Chatwoot account. `requests` counts the HTTP requests made (retries
    included), so a sync can report what it cost."""

    def __init__(self, connection, *, sleep=time.sleep):
        self.base_url = (connection.setting("base_url") or "").rstrip("/")
        self.account_id = str(connection.setting("account_id") or "")
        self.token = connection.secret("api_token")
        self.sleep = sleep
        self.requests = 0

    @property
    def account_path(self) -> str:
        return f"/api/v1/accounts/{self.account_id}"

    def conversations(self, *, status="all", page=1, sort_by="last_activity_at_desc", inbox_id=None) -> dict:
        """One page: `{"meta": {...}, "payload": [conversation, ...], "page": page}`."""
        query = {"status": status, "page": page, "sort_by": sort_by}
        if inbox_id is not None:
            query["inbox_id"] = inbox_id
        body = self._call("GET", "/conversations", query=query)
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        payload = data.get("payload")
        if not isinstance(payload, list):
            raise self._invalid("GET", "/conversations", query, 'no "data.payload" list in the answer')
        return {"meta": data.get("meta") or {}, "payload": payload, "page": page}

    def messages(self, conversation_id, *, after=None, before=None) -> list[dict]:
        """The conversation's messages after (up to 100, oldest first) or before (20) a message id;
        without either, the latest 20."""
        query = {key: value for key, value in (("after", after), ("before", before)) if value is not None}
        path = f"/conversations/{int(conversation_id)}/messages"
        payload = self._call("GET", path, query=query).get("payload")
        if not isinstance(payload, list):
            raise self._invalid("GET", path, query, 'no "payload" list in the answer')
        return payload

    def create_message(self, conversation_id, content, *, private=False, message_type="outgoing") -> dict:
        """Posts a message (a private note with `private=True`) and returns it as Chatwoot stored it."""
        body = {"content": content, "message_type": message_type, "private": private}
        return self._call("POST", f"/conversations/{int(conversation_id)}/messages", json=body)

    def create_contact(self, inbox_id, name) -> dict:
        """Chatwoot's contacts#create: a contact with a contact inbox in `inbox_id`; returns the
        contact (`{"id": ..., "name": ...}`) from `{"payload": {"contact": ..., "contact_inbox": ...}}`."""
        body = {"inbox_id": int(inbox_id), "name": name}
        contact = (self._call("POST", "/contacts", json=body).get("payload") or {}).get("contact")
        if not isinstance(contact, dict) or contact.get("id") is None:
            raise self._invalid("POST", "/contacts", None, 'no "payload.contact.id" in the answer')
        return contact

    def create_conversation(self, inbox_id, contact_id, *, additional_attributes=None, status="open") -> dict:
        """Chatwoot's conversations#create for a contact in an inbox; returns the conversation as
        its jbuilder view renders it (`id` is the conversation's display id, as every path uses)."""
        body = {"inbox_id": int(inbox_id), "contact_id": contact_id, "status": status}
        body["additional_attributes"] = additional_attributes or {}
        conversation = self._call("POST", "/conversations", json=body)
        if conversation.get("id") is None:
            raise self._invalid("POST", "/conversations", None, 'no conversation "id" in the answer')
        return conversation

    def toggle_status(self, conversation_id, status) -> dict:
        """Chatwoot's conversations#toggle_status (`open`, `resolved`, `pending`); returns its
        `payload`: `{"success": ..., "conversation_id": ..., "current_status": ...}`."""
        path = f"/conversations/{int(conversation_id)}/toggle_status"
        payload = self._call("POST", path, json={"status": status}).get("payload")
        if not isinstance(payload, dict):
            raise self._invalid("POST", path, None, 'no "payload" object in the answer')
        return payload

    # --- one call, tried again while it is worth it -------------------------------------------

    def _call(self, method, path, *, query=None, json=None) -> dict:
        endpoint = self._endpoint(method, path, query)
        self._require_configured(endpoint)
        for attempt in range(1, settings.CHATWOOT_MAX_ATTEMPTS + 1):
            try:
                return self._once(method, path, query, json, endpoint)
            except ChatwootError as exc:
                if not self._worth_retrying(exc, method, attempt):
                    raise
                self.sleep(
                    backoff.backoff_seconds(
                        attempt,
                        base=settings.CHATWOOT_BACKOFF_BASE_S,
                        cap=settings.CHATWOOT_BACKOFF_MAX_S,
                        retry_after=exc.retry_after,
                    )
                )
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _worth_retrying(exc, method, attempt) -> bool:
        """429/5xx/timeouts are retried; a POST only when Chatwoot cannot have stored it (429 or a
        refused connection), so a retried reply is never posted twice."""
        if attempt >= settings.CHATWOOT_MAX_ATTEMPTS or exc.kind not in RETRIED:
            return False
        if (exc.retry_after or 0) > settings.CHATWOOT_BACKOFF_MAX_S:
            return False
        return method == "GET" or exc.kind in (RATE_LIMITED, CONNECTION)

    def _once(self, method, path, query, json, endpoint) -> dict:
        self.requests += 1
        url = f"{self.base_url}{self.account_path}{path}"
        try:
            response = _session.request(
                method,
                url,
                params=query,
                json=json,
                headers={"api_access_token": self.token, "Accept": "application/json"},
                timeout=(settings.CHATWOOT_CONNECT_TIMEOUT_S, settings.CHATWOOT_TIMEOUT_S),
            )
        except requests.Timeout:
            raise ChatwootError(
                TIMEOUT, f"no answer within {settings.CHATWOOT_TIMEOUT_S:g} s", endpoint=endpoint
            ) from None
        except requests.RequestException as exc:
            raise ChatwootError(CONNECTION, f"could not connect ({type(exc).__name__})", endpoint=endpoint) from None
        return self._read(response, endpoint)

    def _read(self, response, endpoint) -> dict:
        if response.status_code >= 400:
            raise classify(response, endpoint)
        try:
            body = response.json()
        except ValueError:
            raise ChatwootError(
                INVALID_RESPONSE, "the answer is not JSON", status=response.status_code, endpoint=endpoint
            ) from None
        if not isinstance(body, dict):
            raise ChatwootError(INVALID_RESPONSE, "the answer is not a JSON object", endpoint=endpoint)
        return body

    def _endpoint(self, method, path, query) -> str:
        suffix = f"?{urlencode(query)}" if query else ""
        return f"{method} {self.account_path}{path}{suffix}"

    def _require_configured(self, endpoint):
        missing = [name for name, value in (("base_url", self.base_url), ("account_id", self.account_id)) if not value]
        if not self.token:
            missing.append("api_token")
        if missing:
            raise ChatwootError(
                NOT_CONFIGURED, f"the connection has no {', '.join(missing)} configured", endpoint=endpoint
            )

    def _invalid(self, method, path, query, what):
        return ChatwootError(INVALID_RESPONSE, what, endpoint=self._endpoint(method, path, query))


def classify(response, endpoint) -> ChatwootError:
    """The error for a 4xx/5xx answer, with Chatwoot's own words when it sent JSON."""
    status = response.status_code
    kind = {401: UNAUTHORIZED, 403: UNAUTHORIZED, 404: NOT_FOUND, 429: RATE_LIMITED}.get(status)
    kind = kind or (SERVER_ERROR if status >= 500 else BAD_REQUEST)
    return ChatwootError(
        kind,
        error_text(response),
        status=status,
        endpoint=endpoint,
        retry_after=backoff.retry_after_seconds(response.headers.get("Retry-After")),
    )


def error_text(response) -> str:
    """`{"error": "..."}`, `{"errors": [...]}`, `{"message": "..."}` or a short text body; an HTML
    error page says nothing an operator needs, so only its reason phrase is kept."""
    body = http.json_body(response)
    said = body.get("error") or body.get("errors") or body.get("message")
    if isinstance(said, list):
        said = "; ".join(str(item) for item in said)
    if said:
        return str(said)[:300]
    if "html" in response.headers.get("Content-Type", "") or not response.text.strip():
        return response.reason or f"HTTP {response.status_code}"
    return response.text.strip()[:300]
