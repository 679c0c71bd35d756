"""The Telegram Bot API of the platform's own bot as a real local server, built from
core.telegram.org/bots/api: `POST /bot<token>/<method>` with a JSON body for sendMessage,
editMessageText, answerCallbackQuery, setWebhook, getWebhookInfo and getMe.

It answers like api.telegram.org: `{"ok": true, "result": …}`, or `{"ok": false, "error_code",
"description"[, "parameters": {"retry_after"}]}` with the error code as the HTTP status:
- a well-formed but wrong token → 401 "Unauthorized"; a malformed one → 404 "Not Found";
- a chat it does not know (`chats`, or any chat when `chats` is None) → 400 "Bad Request: chat not
  found"; a chat in `blocked` → 403 "Forbidden: bot was blocked by the user";
- editing a message to the text and keyboard it already has → 400 "Bad Request: message is not
  modified: …"; an unknown message → 400 "Bad Request: message to edit not found";
- callback_data over 64 bytes → 400 "Bad Request: BUTTON_DATA_INVALID";
- setWebhook with a non-HTTPS url → 400 "Bad Request: bad webhook: An HTTPS URL must be provided
  for webhook", with a secret outside [A-Za-z0-9_-]{1,256} → 400 "Bad Request: secret token
  contains unallowed characters";
- `script(...)` sets the next answers (`rate_limited(5)`, `server_error()`, `down()`…).

It remembers what was sent (`messages`: chat → message id → the Message with its reply_markup,
`answers`: answerCallbackQuery calls) and plays Telegram's side of the webhook: `deliver(update)`
posts an update to the URL registered by setWebhook with the registered secret in
`X-Telegram-Bot-Api-Secret-Token`, through a Django test client when one is given. `press(...)`
and `send_text(...)` build the updates a person's tap or message produces."""

import itertools
import json
import re
import time
from urllib.parse import urlsplit

import requests

from tests.fakes.graph import Scripted
from tests.fakes.server import FakeServer, Reply

TOKEN = "7000001:AAH-platform-bot-token-for-tests"
TOKEN_SHAPE = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")
SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
PATH = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)$")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def telegram_error(code, description, **parameters):
    body = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return Reply(code, body)


def ok(result):
    return Reply(200, {"ok": True, "result": result})


def rate_limited(retry_after=5):
    return telegram_error(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


def server_error():
    return telegram_error(502, "Bad Gateway")


def unauthorized():
    return telegram_error(401, "Unauthorized")


def chat_not_found():
    return telegram_error(400, "Bad Request: chat not found")


def blocked_by_user():
    return telegram_error(403, "Forbidden: bot was blocked by the user")


def not_modified():
    return telegram_error(
        400,
        "Bad Request: message is not modified: specified new message content and reply markup are "
        "exactly the same as a current content and reply markup of the message",
    )


class FakeBotApi(Scripted, FakeServer):
    def __init__(self, token=TOKEN, username="opsdesk_platform_bot"):
        super().__init__()
        self._init_script()
        self.token, self.username = token, username
        self.chats = None
        self.blocked = set()
        self.messages = {}
        self.answers = []
        self.webhook = {"url": "", "secret_token": "", "allowed_updates": None}
        self.webhook_error = None
        self.pending_update_count = 0
        self._message_ids = itertools.count(500)
        self._update_ids = itertools.count(900_000)
        self._query_ids = itertools.count(4_000_000)

    def answer(self, request):
        match = PATH.match(request.path)
        if not match or not TOKEN_SHAPE.match(match["token"]):
            return telegram_error(404, "Not Found")
        if match["token"] != self.token:
            return unauthorized()
        scripted = self._scripted()
        if scripted is not None:
            return scripted
        handler = getattr(self, f"_{match['method']}", None)
        return handler(_body(request)) if handler else telegram_error(404, "Not Found: method not found")

    def calls(self, method):
        """The JSON bodies of the calls to `method`, oldest first."""
        path = f"/bot{self.token}/{method}"
        return [_body(r) for r in self.requests if r.path == path]

    def sent(self, chat_id):
        return [m for m in self.messages.get(int(chat_id), {}).values()]

    def last_message(self, chat_id):
        return self.sent(chat_id)[-1]

    def buttons(self, message):
        rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
        return [(b["text"], b.get("callback_data")) for row in rows for b in row]

    def _sendMessage(self, body):
        chat_id, text = body.get("chat_id"), body.get("text") or ""
        refused = self._refuse_chat(chat_id) or _refuse_text(text) or _refuse_markup(body.get("reply_markup"))
        if refused:
            return refused
        message = {
            "message_id": next(self._message_ids),
            "from": {"id": int(self.token.split(":")[0]), "is_bot": True, "username": self.username},
            "chat": {"id": int(chat_id), "type": "private"},
            "date": int(time.time()),
            "text": text,
        }
        if body.get("reply_markup"):
            message["reply_markup"] = body["reply_markup"]
        with self._lock:
            self.messages.setdefault(int(chat_id), {})[message["message_id"]] = message
        return ok(message)

    def bot_message(self, chat_id, text, buttons):
        """A message the bot sent earlier with inline buttons `[(label, callback_data), …]`, as
        Telegram stored it (for tests that press a button Opsdesk's code did not send)."""
        markup = {"inline_keyboard": [[{"text": label, "callback_data": data} for label, data in buttons]]}
        return self._sendMessage({"chat_id": chat_id, "text": text, "reply_markup": markup}).body["result"]

    def _editMessageText(self, body):
        chat_id = body.get("chat_id")
        refused = self._refuse_chat(chat_id) or _refuse_text(body.get("text") or "")
        if refused:
            return refused
        message = self.messages.get(int(chat_id), {}).get(body.get("message_id"))
        if message is None:
            return telegram_error(400, "Bad Request: message to edit not found")
        markup = body.get("reply_markup")
        if message["text"] == body["text"] and message.get("reply_markup") == markup:
            return not_modified()
        message.update(text=body["text"], edit_date=int(time.time()))
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return ok(message)

    def _answerCallbackQuery(self, body):
        if not body.get("callback_query_id"):
            return telegram_error(
                400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        self.answers.append(body)
        return ok(True)

    def _setWebhook(self, body):
        url, secret = body.get("url") or "", body.get("secret_token") or ""
        if url and urlsplit(url).scheme != "https":
            return telegram_error(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        if secret and not SECRET_SHAPE.match(secret):
            return telegram_error(400, "Bad Request: secret token contains unallowed characters")
        self.webhook = {"url": url, "secret_token": secret, "allowed_updates": body.get("allowed_updates")}
        return Reply(
            200, {"ok": True, "result": True, "description": "Webhook was set" if url else "Webhook was deleted"}
        )

    def _getWebhookInfo(self, _body):
        info = {"url": self.webhook["url"], "has_custom_certificate": False}
        info["pending_update_count"] = self.pending_update_count
        if self.webhook["allowed_updates"]:
            info["allowed_updates"] = self.webhook["allowed_updates"]
        if self.webhook_error:
            info["last_error_date"], info["last_error_message"] = self.webhook_error
        return ok(info)

    def _getMe(self, _body):
        bot_id = int(self.token.split(":")[0])
        return ok({"id": bot_id, "is_bot": True, "first_name": "Opsdesk", "username": self.username})

    def _refuse_chat(self, chat_id):
        try:
            chat_id = int(chat_id)
        except (TypeError, ValueError):
            return chat_not_found()
        if self.chats is not None and chat_id not in self.chats:
            return chat_not_found()
        return blocked_by_user() if chat_id in self.blocked else None

    def fail_webhook(self, message="Wrong response from the webhook: 401 Unauthorized", pending=3):
        """What getWebhookInfo reports after Telegram's deliveries failed."""
        self.webhook_error, self.pending_update_count = (int(time.time()) - 30, message), pending

    # Telegram's side of the webhook: the updates a person's actions produce.

    def user(self, user_id, username="oncall", first_name="Dana"):
        return {"id": user_id, "is_bot": False, "first_name": first_name, "username": username}

    def text_update(self, from_user, text, chat_id=None):
        chat = {"id": chat_id or from_user["id"], "type": "private", "first_name": from_user.get("first_name")}
        message = {"message_id": next(self._message_ids), "from": from_user, "chat": chat, "date": int(time.time())}
        message["text"] = text
        if text.startswith("/"):
            message["entities"] = [{"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}]
        return {"update_id": next(self._update_ids), "message": message}

    def press_update(self, from_user, message, callback_data):
        """The callback_query Telegram sends when `from_user` taps the button `callback_data` of a
        message this bot sent."""
        if callback_data not in [data for _label, data in self.buttons(message)]:
            raise AssertionError(f"{callback_data!r} is not a button of message {message['message_id']}")
        query = {
            "id": str(next(self._query_ids)),
            "from": from_user,
            "message": json.loads(json.dumps(message)),
            "chat_instance": "-7345",
            "data": callback_data,
        }
        return {"update_id": next(self._update_ids), "callback_query": query}

    def deliver(self, update, client=None, secret=None):
        """POSTs `update` to the registered webhook with the registered secret, as Telegram does;
        through `client` (a Django test client) when given, else over HTTP."""
        url = self.webhook["url"] or "https://opsdesk.test/auth/telegram/webhook"
        secret = self.webhook["secret_token"] if secret is None else secret
        headers = {SECRET_HEADER: secret} if secret else {}
        if client is not None:
            return client.post(urlsplit(url).path, json.dumps(update), content_type="application/json", headers=headers)
        return requests.post(url, json=update, headers=headers, timeout=10)


def _body(request):
    try:
        body = request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _refuse_text(text):
    if not text.strip():
        return telegram_error(400, "Bad Request: message text is empty")
    if len(text) > 4096:
        return telegram_error(400, "Bad Request: message is too long")
    return None


def _refuse_markup(markup):
    for row in (markup or {}).get("inline_keyboard") or []:
        for button in row:
            if len(str(button.get("callback_data", "")).encode()) > 64:
                return telegram_error(400, "Bad Request: BUTTON_DATA_INVALID")
    return None
