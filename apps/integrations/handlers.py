"""Which function processes which provider's event type. Provider packages register theirs in
`<provider>/handlers.py`; an event type nobody handles ends `ignored`, not failed.

A provider may also register a batch handler for an event type (`handles_batch`): processing gives
it every claimed event of that type at once, so it can write them with a few set-based statements.
It does all of them or raises; when it raises, processing runs the single handler of each event
in its own savepoint instead, so one bad event still fails alone."""

_HANDLERS = {}
_BATCH_HANDLERS = {}
_COMMUTING = set()


def handles(provider, *event_types):
    def decorate(func):
        for event_type in event_types:
            _HANDLERS[(provider, event_type)] = func
        return func

    return decorate


def handles_batch(provider, *event_types, commutes_with=()):
    """`commutes_with`: the provider's other event types whose handlers never touch the rows these
    do, so processing may take this type's events together across them (Meta's messages and
    statuses). Any other event type of the provider in between keeps the order: it ends the run."""

    def decorate(func):
        for event_type in event_types:
            _BATCH_HANDLERS[(provider, event_type)] = func
            _COMMUTING.update(frozenset((event_type, other)) for other in commutes_with)
        return func

    return decorate


def commute(provider, event_type, other) -> bool:
    return event_type == other or frozenset((event_type, other)) in _COMMUTING


def find(provider, event_type):
    return _HANDLERS.get((provider, event_type))


def find_batch(provider, event_type):
    return _BATCH_HANDLERS.get((provider, event_type))


def load_all():
    from apps.integrations.chatwoot import handlers as _chatwoot  # noqa: F401
    from apps.integrations.meta import handlers as _meta  # noqa: F401
    from apps.integrations.n8n import handlers as _n8n  # noqa: F401
    from apps.integrations.pms import handlers as _pms  # noqa: F401
    from apps.integrations.telegram import handlers as _telegram  # noqa: F401
    from apps.integrations.waha import handlers as _waha  # noqa: F401
