"""What a Chatwoot `message_created` delivery means for drafts, decided from the payload alone.

A customer's message (incoming, public) asks for a draft and supersedes older ones; an agent's
public outgoing message supersedes open drafts unless it is our own published reply; an agent's
private note starting with `/approve` or `/reject` is a command on the conversation's latest
proposed draft. Everything else (our own notes, activity, bots' messages) means nothing here."""

from dataclasses import dataclass

CUSTOMER, AGENT_REPLY, APPROVE, REJECT, OTHER = "customer", "agent_reply", "approve", "reject", "other"
AGENT_SENDERS = ("user",)


@dataclass(frozen=True)
class Seen:
    kind: str
    conversation_id: int | None = None
    inbox_id: int | None = None
    message_id: int | None = None
    content: str = ""
    sender_id: int | None = None
    sender_name: str = ""
    argument: str = ""  # the edited text after /approve, or the reason after /reject


def read(payload: dict) -> Seen:
    conversation = _object(payload.get("conversation"))
    if payload.get("id") is None or _int(conversation.get("id")) is None:
        return Seen(OTHER)
    sender = _object(payload.get("sender"))
    kind, argument = _kind(payload, sender)
    return Seen(
        kind=kind,
        conversation_id=_int(conversation.get("id")),
        inbox_id=_inbox(payload, conversation),
        message_id=_int(payload.get("id")),
        content=str(payload.get("content") or ""),
        sender_id=_int(sender.get("id")),
        sender_name=str(sender.get("name") or "")[:200],
        argument=argument,
    )


def _kind(payload, sender) -> tuple[str, str]:
    message_type, private = _type(payload.get("message_type")), bool(payload.get("private"))
    if message_type == "incoming" and not private:
        return CUSTOMER, ""
    if message_type != "outgoing" or sender.get("type") not in AGENT_SENDERS:
        return OTHER, ""
    if not private:
        return AGENT_REPLY, ""
    return command(str(payload.get("content") or ""))


def command(content: str) -> tuple[str, str]:
    """("approve", edited text or "") / ("reject", reason) / ("other", "") for a note's text.
    `/approve` may be followed by the text to send instead of the draft, on the same line or below."""
    text = content.strip()
    word, _, rest = text.partition("\n")[0].partition(" ")
    below = text.partition("\n")[2]
    argument = "\n".join(part for part in (rest.strip(), below.strip()) if part)
    name = word.strip().lower()
    if name == "/approve":
        return APPROVE, argument
    if name == "/reject":
        return REJECT, " ".join(argument.split())[:500]
    return OTHER, ""


def _type(value) -> str:
    return {0: "incoming", 1: "outgoing", "0": "incoming", "1": "outgoing"}.get(value, str(value or ""))


def _object(value) -> dict:
    return value if isinstance(value, dict) else {}


def _int(value):
    return int(value) if str(value or "").lstrip("-").isdigit() else None


def _inbox(payload, conversation):
    inbox = _object(payload.get("inbox"))
    return _int(conversation.get("inbox_id") or inbox.get("id") or payload.get("inbox_id"))
