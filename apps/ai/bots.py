"""AI bots: an AI-mode bot's automation run is answered through the gateway.

The inbound pipeline starts a run for each active bot; for an AI-mode bot, integrations sends
`ai_reply_requested` (it never imports ai) and `answer_run` answers: the bot's system prompt, the
recent conversation (the customer's messages as `user`, this bot's replies as `assistant`) and the
new message go to `services.complete`. Integrations then ends the run and hands the text to the
outbound pipeline, so an opted-out contact is never answered and caps and attempts apply; the
model is not even asked for an opted-out contact."""

from dataclasses import dataclass

from django.conf import settings

from apps.ai import services
from apps.ai.models import Feature
from apps.core import contacts
from apps.integrations.models import AutomationRun, ConversationMessage
from apps.outbound.models import ContactChannelPolicy


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


def history(bot, message) -> list[dict]:
    """Up to AI_BOT_HISTORY_MESSAGES earlier turns: each earlier message of the contact in the
    conversation, followed by this bot's reply to it when it made one."""
    if message.conversation_id is None:
        return []
    limit = settings.AI_BOT_HISTORY_MESSAGES
    earlier = list(
        ConversationMessage.objects.filter(conversation_id=message.conversation_id, sent_at__lte=message.sent_at)
        .exclude(pk=message.pk)
        .order_by("-sent_at", "-id")
        .values_list("pk", "direction", "text")[:limit]
    )[::-1]
    replies = dict(
        AutomationRun.objects.filter(bot=bot, message_id__in=[pk for pk, _, _ in earlier], status="succeeded")
        .exclude(reply="")
        .values_list("message_id", "reply")
    )
    turns = []
    for pk, direction, text in earlier:
        turns.append(
            {"role": "user" if direction == ConversationMessage.Direction.INBOUND else "assistant", "content": text}
        )
        if pk in replies:
            turns.append({"role": "assistant", "content": replies[pk]})
    return [turn for turn in turns if turn["content"]][-limit:]


def connect():
    from apps.integrations import signals

    signals.ai_reply_requested.connect(answer_run, dispatch_uid="ai.bots.answer_run")
