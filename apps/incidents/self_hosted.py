"""Which parts of the system we run ourselves: when one of them is down, the infrastructure people
are told (the support runbook's contacts table), because nobody else can bring it back.

Chatwoot, n8n and WAHA run on our servers for the tenants; the database, the Redis broker and the
Celery workers are the platform itself. Meta's Cloud API, Telegram, the PMS vendors and the AI
providers are other companies' services: their outages are not infrastructure's to fix."""

from apps.events import components

SELF_HOSTED = ("chatwoot", "n8n", "waha", "database", "redis", "workers")


def known_components() -> list[str]:
    """Every component name an escalation rule may name: the catalog's and the self-hosted ones."""
    return sorted(set(components.COMPONENTS) | set(SELF_HOSTED))


def of_monitor(monitor) -> tuple[str, ...]:
    """The self-hosted component a health monitor watches: a connection's provider, or the
    platform part it checks (its kind: database, redis, workers)."""
    name = monitor.provider or monitor.kind
    return (name,) if name in SELF_HOSTED else ()


def problem_with(names) -> str:
    """Why `names` cannot be an escalation rule's components, or "" when they can."""
    if not isinstance(names, list | tuple) or not all(isinstance(name, str) for name in names):
        return f"Give a list of component names, e.g. {list(SELF_HOSTED[:2])}."
    unknown = sorted(set(names) - set(known_components()))
    if unknown:
        return f"Unknown component(s): {', '.join(unknown)}. The self-hosted ones are {', '.join(SELF_HOSTED)}."
    elsewhere = sorted(set(names) - set(SELF_HOSTED))
    if elsewhere:
        return (
            f"{', '.join(elsewhere)}: not self-hosted (another company runs it), so infrastructure cannot bring it "
            f"back. The self-hosted ones are {', '.join(SELF_HOSTED)}."
        )
    return ""
