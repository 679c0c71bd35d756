"""The placeholders an editable notice template may use, checked when the template is saved so a
bad one is a form error there, never a failure at send time. Only plain `{name}` fields from
`ALLOWED`: no attribute or index access, no conversions or format specs."""

from string import Formatter

ALLOWED = {
    "incident_title": "the incident's title",
    "impact": "the public words for its severity (e.g. Partial outage)",
    "status": "its status (Detected, Mitigating, Resolved, …)",
    "public_update": "the status page's public update (may be empty)",
    "started_at": "when it started, in UTC",
    "resolved_at": "when it was resolved, in UTC (empty while open)",
    "tenant_name": "the affected tenant's name",
    "notices_url": "the portal page listing the tenant's incident notices",
}


def problems(text) -> list[str]:
    """What is wrong with `text` as a template, in words; empty when it is fine."""
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in Formatter().parse(text) if name is not None]
    except ValueError as exc:
        return [f"The braces do not match ({exc}); write {{{{ or }}}} for a literal brace."]
    return [problem for field in fields if (problem := _field_problem(*field))]


def _field_problem(name, spec, conversion) -> str:
    if name not in ALLOWED:
        shown = "{" + name + "}" if name else "{}"
        return f"Unknown placeholder {shown}; use one of {', '.join('{' + key + '}' for key in ALLOWED)}."
    if spec or conversion:
        return f"Write {{{name}}} plainly: no format spec or conversion."
    return ""


def render(text, values) -> str:
    """`text` with the placeholders filled; `values` holds a string for every allowed name."""
    return text.format_map({name: str(values.get(name, "")) for name in ALLOWED})
