"""Macro placeholders: {name} is replaced by plain text. Anything else is refused when the macro is
saved: unknown names, and format specs or conversions (`{ticket_id:>2000000}` would pad the reply
to two million characters, `{subject!r}` shows Python quoting). `render` never formats, so a
macro saved before these checks renders safely too."""

import string

from apps.tickets.models import Macro

_FORMATTER = string.Formatter()
UNBALANCED = "(unbalanced braces)"


def _fields(text: str) -> list[tuple[str, str, str]]:
    """(name, format spec, conversion) of each placeholder; ValueError on unbalanced braces."""
    return [
        (name, spec or "", conversion or "") for _, name, spec, conversion in _FORMATTER.parse(text) if name is not None
    ]


def placeholders(text: str) -> set[str]:
    try:
        return {name for name, _, _ in _fields(text)}
    except ValueError:
        return {UNBALANCED}


def unknown_placeholders(text: str) -> set[str]:
    return placeholders(text) - set(Macro.PLACEHOLDERS)


def formatted_placeholders(text: str) -> list[str]:
    """Placeholders written with a format spec or a conversion, as written."""
    try:
        return sorted({_written(*field) for field in _fields(text) if field[1] or field[2]})
    except ValueError:
        return []


def problems(text: str) -> list[str]:
    """What makes a macro body unsaveable, one sentence each ([] when nothing)."""
    found = []
    unknown = unknown_placeholders(text)
    if unknown:
        found.append(
            f"Unknown placeholder(s) {', '.join(sorted(unknown))}; use "
            f"{', '.join('{' + name + '}' for name in Macro.PLACEHOLDERS)} (write {{{{ and }}}} for a brace)."
        )
    formatted = formatted_placeholders(text)
    if formatted:
        found.append(f"Placeholders take no format or conversion: write {{ticket_id}}, not {', '.join(formatted)}.")
    return found


def values_for(ticket, agent) -> dict:
    return {
        "requester_name": ticket.requester_label or "there",
        "ticket_id": str(ticket.pk),
        "tenant_name": ticket.tenant.name,
        "subject": ticket.subject,
        "agent_name": (agent.get_full_name() or agent.get_username()) if agent else "Opsdesk support",
    }


def render(body: str, ticket, agent) -> str:
    """Each known placeholder becomes its value as it is; unknown or malformed ones stay as written."""
    values = values_for(ticket, agent)
    try:
        parts = list(_FORMATTER.parse(body))
    except ValueError:
        return body
    return "".join(literal + _value(name, spec, conversion, values) for literal, name, spec, conversion in parts)


def _value(name, spec, conversion, values) -> str:
    if name is None:
        return ""
    return values[name] if name in values else _written(name, spec or "", conversion or "")


def _written(name, spec, conversion) -> str:
    return "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
