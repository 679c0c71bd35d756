"""What the platform bot does with a button press or a text command, by name.

`@callback("signup")` registers `handler(query: CallbackQuery) -> str` for every button whose
`callback_data` is `"signup:<action>:<id>"`; the text it returns is shown to the presser
(answerCallbackQuery), and the handler may edit the message itself. `@command("bind")` registers
`handler(message: CommandMessage) -> str` for `/bind …`; the text it returns is the bot's reply in
that chat. Modules in `apps/platform_bot/handlers/` register theirs; `load_all()` imports them.

Handlers run in the worker inside the update's processing transaction: they must not call
Telegram themselves. To edit the pressed message, use `replies.edit_after_commit(query.chat_id,
query.message_id, text)`; it is sent once the transaction commits. A handler that raises leaves
the update failed and retried like any inbound event, so handlers are idempotent."""

import importlib
import pkgutil
from dataclasses import dataclass

MAX_CALLBACK_DATA_BYTES = 64

_CALLBACKS = {}
_COMMANDS = {}


@dataclass(frozen=True)
class CallbackQuery:
    """A pressed inline button. `user` is the Opsdesk user bound to `from_user_id`, or None."""

    id: str
    data: str
    from_user_id: int
    chat_id: int | None
    message_id: int | None
    message_text: str
    user: object | None

    @property
    def prefix(self) -> str:
        return self._parts()[0]

    @property
    def action(self) -> str:
        return self._parts()[1]

    @property
    def target(self) -> str:
        return self._parts()[2]

    def _parts(self):
        parts = self.data.split(":", 2)
        return parts + [""] * (3 - len(parts))


@dataclass(frozen=True)
class CommandMessage:
    """A `/command args` message. `user` is the Opsdesk user bound to `from_user_id`, or None."""

    command: str
    args: str
    from_user_id: int
    chat_id: int
    username: str
    user: object | None
    chat_type: str = "private"


def callback_data(prefix, action, target) -> str:
    """`"<prefix>:<action>:<id>"`, refused when longer than Telegram's 64 bytes."""
    data = f"{prefix}:{action}:{target}"
    if len(data.encode()) > MAX_CALLBACK_DATA_BYTES:
        raise ValueError(f"callback_data {data!r} is longer than {MAX_CALLBACK_DATA_BYTES} bytes.")
    return data


def callback(prefix):
    def decorate(func):
        _CALLBACKS[prefix] = func
        return func

    return decorate


def command(name):
    def decorate(func):
        _COMMANDS[name.lstrip("/").lower()] = func
        return func

    return decorate


def find_callback(prefix):
    return _CALLBACKS.get(prefix)


def find_command(name):
    return _COMMANDS.get(name.lstrip("/").lower())


def load_all():
    from apps.platform_bot import handlers

    for module in pkgutil.iter_modules(handlers.__path__):
        importlib.import_module(f"{handlers.__name__}.{module.name}")
