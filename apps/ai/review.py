"""What an operator reads to review one AI request ("review conversation logs"): the messages the
gateway sent and what the caller received, beside the conversation they belong to — the request's
own conversation, else the tenant's messages with the same contact — up to shortly after it."""

from datetime import timedelta

from apps.integrations.models import ConversationMessage

CONVERSATION_LIMIT = 40
AFTER = timedelta(minutes=10)  # the reply the request produced is usually stored just after it


def conversation_messages(request) -> list:
    """The conversation's last CONVERSATION_LIMIT messages up to AFTER past the request, oldest first."""
    rows = ConversationMessage.objects.for_tenant(request.tenant_id)
    if request.conversation_id:
        rows = rows.filter(conversation_id=request.conversation_id)
    elif request.contact_id:
        rows = rows.filter(contact_id=request.contact_id)
    else:
        return []
    rows = rows.filter(sent_at__lte=request.created_at + AFTER).order_by("-sent_at", "-id")
    return list(reversed(rows[:CONVERSATION_LIMIT]))


def sent_messages(request) -> list[dict]:
    """The request's messages as {role, content}; anything else in the stored JSON is shown as text."""
    found = request.messages if isinstance(request.messages, list) else []
    return [
        {"role": str(item.get("role", "?")), "content": str(item.get("content", ""))}
        if isinstance(item, dict)
        else {"role": "?", "content": str(item)}
        for item in found
    ]


def chain_steps(request) -> list[dict]:
    steps = request.chain if isinstance(request.chain, list) else []
    return [step for step in steps if isinstance(step, dict)]


def context(request) -> dict:
    return {
        "request": request,
        "sent": sent_messages(request),
        "conversation": conversation_messages(request),
        "matched_by": "conversation" if request.conversation_id else ("contact" if request.contact_id else ""),
    }
