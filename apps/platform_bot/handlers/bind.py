"""`/start`, `/help`, `/bind <code>` and `/whoami`."""

from apps.platform_bot import services
from apps.platform_bot.callbacks import command


@command("start")
@command("help")
def start(message) -> str:
    from apps.platform_bot.updates import HELP

    return HELP


@command("bind")
def bind(message) -> str:
    if message.chat_type != "private":
        return "Send /bind to me in a private chat, so alerts reach only you."
    result = services.bind(
        message.args,
        telegram_user_id=message.from_user_id,
        chat_id=message.chat_id,
        telegram_username=message.username,
    )
    return result.reply


@command("whoami")
def whoami(message) -> str:
    if message.user is None:
        return "This Telegram account is not bound to an Opsdesk user. Send /bind <code> to bind it."
    return f"This Telegram account is bound to {message.user.get_username()} in Opsdesk."
