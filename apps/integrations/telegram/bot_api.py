"""The platform's own Telegram bot (not a tenant's): a small Bot API client.

Every method is `POST {base}/bot<token>/<method>` with a JSON body; Telegram answers
`{"ok": true, "result": …}` or `{"ok": false, "error_code", "description", "parameters":
{"retry_after"}}` with the error code as the HTTP status. Failures raise `BotApiError`, classified:
429, 5xx, timeouts and refused connections are retryable, anything else (401 bad token, 400 chat
not found, 403 blocked by the user) is not. A 429 asking to wait at most `SHORT_RETRY_S` is
waited out once inside the call; a longer one is raised with its `retry_after`.

The token is part of the URL, so it never appears in an error's text."""

import time

import requests
from django.conf import settings

from apps.core import backoff
from apps.integrations import http

SHORT_RETRY_S = 2.0
NOT_MODIFIED = "message is not modified"

_session = requests.Session()


class BotApiError(Exception):
    """A Bot API call that did not succeed. `code` is Telegram's `error_code` (the HTTP status), or
    "timeout" / "connection_error" / "not_configured" when Telegram never answered."""

    def __init__(self, code, description, retry_after=None, retryable=False, method=""):
        self.code = code
        self.description = description
        self.retry_after = retry_after
        self.retryable = retryable
        self.method = method
        super().__init__(f"{method or 'Bot API'}: {code} {description}".strip())

    @property
    def fix(self) -> str:
        """What an operator does about it, in words."""
        return fix_for(self.code, self.description)

    @property
    def not_modified(self) -> bool:
        """editMessageText with the text the message already has: harmless."""
        return NOT_MODIFIED in str(self.description).lower()


FIXES = {
    "not_configured": "Set TELEGRAM_BOT_TOKEN to the token @BotFather gave the platform bot.",
    "timeout": "Telegram did not answer in time: check this server's outbound network or proxy; it is retried.",
    "connection_error": "Telegram could not be reached: check DNS, firewall and TELEGRAM_API_BASE_URL; it is retried.",
    401: "TELEGRAM_BOT_TOKEN is wrong or was revoked: set the current token from @BotFather.",
    403: "The person blocked the bot or never started it: ask them to open the bot, press Start and /bind again.",
    404: "TELEGRAM_BOT_TOKEN is malformed or TELEGRAM_API_BASE_URL is wrong.",
    429: "Telegram rate-limited the bot: it is retried after retry_after seconds.",
}


def fix_for(code, description="") -> str:
    if code == 400 and "chat not found" in str(description).lower():
        return "The chat is unknown to the bot: the person must send /start to the bot, then /bind again."
    if isinstance(code, int) and code >= 500:
        return "Telegram is failing on its side; it is retried. See https://t.me/BotNews for outages."
    return FIXES.get(code, "Telegram refused the request as malformed: see the description.")


def inline_keyboard(buttons) -> dict:
    """`[[(label, callback_data), …], …]` as Telegram's `reply_markup`."""
    rows = [[{"text": label, "callback_data": data} for label, data in row] for row in buttons]
    return {"inline_keyboard": rows}


class BotApi:
    def __init__(self, token=None, base_url=None, session=None):
        self.token = settings.TELEGRAM_BOT_TOKEN if token is None else token
        self.base_url = (base_url or settings.TELEGRAM_API_BASE_URL).rstrip("/")
        self.session = session or _session
        self.last_description = ""

    def is_configured(self) -> bool:
        return bool(self.token)

    def send_message(self, chat_id, text, buttons=None) -> dict:
        payload = {"chat_id": chat_id, "text": text, "disable_web_page_preview": True}
        return self.call("sendMessage", _with_buttons(payload, buttons))

    def edit_message_text(self, chat_id, message_id, text, buttons=None):
        payload = {"chat_id": chat_id, "message_id": message_id, "text": text}
        return self.call("editMessageText", _with_buttons(payload, buttons))

    def answer_callback_query(self, callback_query_id, text="", show_alert=False):
        payload = {"callback_query_id": callback_query_id, "text": text[:200], "show_alert": show_alert}
        return self.call("answerCallbackQuery", payload)

    def set_webhook(self, url, secret_token):
        payload = {"url": url, "secret_token": secret_token, "allowed_updates": ["message", "callback_query"]}
        return self.call("setWebhook", payload)

    def get_webhook_info(self) -> dict:
        return self.call("getWebhookInfo", {})

    def get_me(self) -> dict:
        return self.call("getMe", {})

    def call(self, method, payload):
        """One Bot API call; a short 429 is waited out once, everything else raises at once."""
        try:
            return self._call_once(method, payload)
        except BotApiError as error:
            if error.code != 429 or error.retry_after is None or error.retry_after > SHORT_RETRY_S:
                raise
            time.sleep(error.retry_after)
        return self._call_once(method, payload)

    def _call_once(self, method, payload):
        if not self.is_configured():
            raise BotApiError("not_configured", "TELEGRAM_BOT_TOKEN is not set.", method=method)
        url = f"{self.base_url}/bot{self.token}/{method}"
        try:
            response = self.session.post(url, json=payload, timeout=_timeout())
        except requests.Timeout:
            description = f"No answer within {_timeout()[1]} s."
            raise BotApiError("timeout", description, retryable=True, method=method) from None
        except requests.RequestException as exc:
            description = f"Could not connect: {type(exc).__name__}."
            raise BotApiError("connection_error", description, retryable=True, method=method) from None
        self.last_description = str(http.json_body(response).get("description") or "")
        return _result(method, response)


def _with_buttons(payload, buttons):
    return {**payload, "reply_markup": inline_keyboard(buttons)} if buttons else payload


def _timeout():
    return (settings.OUTBOUND_HTTP_CONNECT_TIMEOUT_S, settings.OUTBOUND_HTTP_TIMEOUT_S)


def _result(method, response):
    body = http.json_body(response)
    if response.ok and body.get("ok"):
        return body.get("result")
    code = body.get("error_code") or response.status_code
    parameters = body.get("parameters") if isinstance(body.get("parameters"), dict) else {}
    retry_after = backoff.retry_after_seconds(parameters.get("retry_after", response.headers.get("Retry-After")))
    description = str(body.get("description") or response.reason or f"HTTP {response.status_code}")[:500]
    retryable = http.by_status(int(code)) == http.RETRYABLE if str(code).isdigit() else False
    code = int(code) if str(code).isdigit() else code
    raise BotApiError(code, description, retry_after=retry_after, retryable=retryable, method=method)
