"""Macro placeholders: {name} is replaced, anything unknown is refused when the macro is saved."""
import string

from apps.tickets.models import Macro

_FORMATTER = string.Formatter()


def placeholders(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in _FORMATTER.parse(text) if name is not None}
    except ValueError:
        return {"(unbalanced braces)"}


def unknown_placeholders(text: str) -> set[str]:
    return placeholders(text) - set(Macro.PLACEHOLDERS)


def values_for(ticket, agent) -> dict:
    return {
        "requester_name": ticket.requester_label or "there",
        "ticket_id": str(ticket.pk),
        "tenant_name": ticket.tenant.name,
        "subject": ticket.subject,
        "agent_name": (agent.get_full_name() or agent.get_username()) if agent else "Opsdesk support",
    }


def render(body: str, ticket, agent) -> str:
    return body.format_map(values_for(ticket, agent))
