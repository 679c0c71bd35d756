"""AI bots: an AI-mode bot's automation run is answered through the gateway.

The inbound pipeline starts a run for each active bot; for an AI-mode bot, integrations sends
`ai_reply_requested` (it never imports ai) and `answer_run` answers: the bot's system prompt, the
recent conversation (the customer's messages as `user`, this bot's replies as `assistant`) and the
new message go to `services.complete`, with at most AI_BOT_MAX_TOKENS for the answer. Integrations
then ends the run and hands the text to the outbound pipeline (a text longer than one message goes
out in several), so an opted-out contact is never answered and caps and attempts apply; the model
is not even asked for an opted-out contact."""

import re
from dataclasses import dataclass

from django.conf import settings

from apps.ai import services
from apps.ai.guardrails import check_input
from apps.ai.models import Feature
from apps.core import contacts
from apps.integrations.models import AutomationRun, ConversationMessage
from apps.outbound.models import ContactChannelPolicy

INBOUND = ConversationMessage.Direction.INBOUND


@dataclass(frozen=True)
class AIReply:
    """What integrations does with the run: send `text` ("" for nothing); `error` says why not."""

    text: str
    error: str = ""
    request_id: int | None = None


def answer_run(sender, run, **kwargs) -> AIReply:
    message = run.message
    if message is None or not message.text.strip():
        return AIReply("", "The message has no text for the AI to answer.")
    if opted_out(run.tenant, message):
        return AIReply("", "The contact has opted out: no AI reply is made.")
    completion = services.complete(
        run.tenant,
        Feature.BOT_REPLY,
        conversation_messages(run.bot, message),
        bot=run.bot,
        contact_id=message.contact_id,
        conversation=message.conversation,
        model=run.bot.model or None,
        max_tokens=settings.AI_BOT_MAX_TOKENS,
    )
    error = "" if completion.text else completion.message or "The AI gave no answer."
    return AIReply(completion.text, error, completion.request_id)


def opted_out(tenant, message) -> bool:
    """An opted-out contact gets no reply (preflight would refuse it): the model is not asked."""
    contact_id = contacts.canonical_or_raw(message.channel, message.contact_id)
    return ContactChannelPolicy.objects.filter(
        tenant=tenant, channel=message.channel, contact_id=contact_id, opted_out=True
    ).exists()


def conversation_messages(bot, message) -> list[dict]:
    """The bot's system prompt, the recent history, then the customer's new message."""
    system = [{"role": "system", "content": bot.system_prompt}] if bot.system_prompt else []
    return [*system, *history(bot, message), {"role": "user", "content": message.text}]


BOT_COMMAND = re.compile(r"/start(?:@\w+)?(?:\s|$)")


def history(bot, message) -> list[dict]:
    """Up to AI_BOT_HISTORY_MESSAGES earlier turns, in the order the messages came in: each earlier
    message of the conversation, followed by this bot's reply to it when it made one. A customer
    message the input guardrail blocks is left out with the reply to it: the gateway checks only
    the new message (services.NEW_MESSAGE_CHECKED_FEATURES), so a blocked attack, or a stored text
    an edit turned into one, would otherwise reach the model in a later prompt."""
    if message.conversation_id is None:
        return []
    limit = settings.AI_BOT_HISTORY_MESSAGES
    earlier = [row for row in _earlier(message, limit) if not _blocked(row)]
    replies = _replies(bot, [pk for pk, _, _ in earlier])
    turns = []
    for pk, direction, text in earlier:
        turns.append({"role": "user" if direction == INBOUND else "assistant", "content": text})
        if pk in replies:
            turns.append({"role": "assistant", "content": replies[pk]})
    return [turn for turn in turns if turn["content"]][-limit:]


def _earlier(message, limit) -> list[tuple]:
    """(id, direction, text) of the conversation's last `limit` messages stored before this one: by
    id, as sent times tie within a webhook batch or a second, and a message stored after this one
    is no part of what it answers."""
    rows = (
        ConversationMessage.objects.filter(conversation_id=message.conversation_id, pk__lt=message.pk)
        .order_by("-pk")
        .values_list("pk", "direction", "text")[:limit]
    )
    return list(rows)[::-1]


def _blocked(row) -> bool:
    """A customer message not for the model: one the input guardrail blocks, or a bot command
    (Telegram's `/start`, which starts no reply of its own)."""
    _pk, direction, text = row
    return direction == INBOUND and (BOT_COMMAND.match(text or "") is not None or check_input([text]).blocked)


def _replies(bot, message_ids) -> dict:
    return dict(
        AutomationRun.objects.filter(bot=bot, message_id__in=message_ids, status="succeeded")
        .exclude(reply="")
        .values_list("message_id", "reply")
    )


def connect():
    from apps.integrations import signals

    signals.ai_reply_requested.connect(answer_run, dispatch_uid="ai.bots.answer_run")
