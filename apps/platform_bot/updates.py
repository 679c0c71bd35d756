"""What the worker does with a stored platform bot update (an `InboundEvent` of provider
"platform_bot"): a `/command` message goes to its command handler and the reply goes back to the
chat; a button press goes to the callback handler of its prefix and the text it returns answers
the press. Replies are sent after the processing transaction commits (`replies`)."""

from apps.integrations.handlers import handles
from apps.platform_bot import callbacks, links, replies
from apps.platform_bot.webhook import PROVIDER

HELP = (
    "This is the Opsdesk operations bot. Send /bind <code> with the code from your user page in Opsdesk "
    "to receive on-call alerts (and, for the platform owner, signup requests) here."
)


@handles(PROVIDER, "message")
def on_message(event):
    message = event.payload.get("message") or {}
    sender, chat = message.get("from") or {}, message.get("chat") or {}
    if sender.get("is_bot") or not chat.get("id"):
        return
    command = parse_command(message.get("text") or "", sender, chat)
    replies.send_after_commit(chat["id"], reply_to(command))


@handles(PROVIDER, "callback_query")
def on_callback_query(event):
    query = callback_query(event.payload.get("callback_query") or {})
    handler = callbacks.find_callback(query.prefix)
    text = handler(query) if handler else "This button is no longer in use."
    replies.answer_after_commit(query.id, text, show_alert=len(text) > 60)


def parse_command(text, sender, chat):
    if not text.startswith("/"):
        return None
    name, _, args = text[1:].partition(" ")
    return callbacks.CommandMessage(
        command=name.split("@")[0].lower(),
        args=args.strip(),
        from_user_id=sender.get("id"),
        chat_id=chat["id"],
        username=sender.get("username") or "",
        user=links.bound_user(sender.get("id")),
        chat_type=chat.get("type") or "private",
    )


def reply_to(command) -> str:
    if command is None:
        return HELP
    handler = callbacks.find_command(command.command)
    return handler(command) if handler else f"I do not know /{command.command}. {HELP}"


def callback_query(query) -> callbacks.CallbackQuery:
    message = query.get("message") or {}
    sender = query.get("from") or {}
    return callbacks.CallbackQuery(
        id=str(query.get("id") or ""),
        data=str(query.get("data") or ""),
        from_user_id=sender.get("id"),
        chat_id=(message.get("chat") or {}).get("id"),
        message_id=message.get("message_id"),
        message_text=message.get("text") or "",
        user=links.bound_user(sender.get("id")),
    )
