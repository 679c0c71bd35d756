"""Which function processes which provider's event type. Provider packages register theirs in
`<provider>/handlers.py`; an event type nobody handles ends `ignored`, not failed."""

_HANDLERS = {}


def handles(provider, *event_types):
    def decorate(func):
        for event_type in event_types:
            _HANDLERS[(provider, event_type)] = func
        return func

    return decorate


def find(provider, event_type):
    return _HANDLERS.get((provider, event_type))


def load_all():
    from apps.integrations.chatwoot import handlers as _chatwoot  # noqa: F401
    from apps.integrations.meta import handlers as _meta  # noqa: F401
    from apps.integrations.n8n import handlers as _n8n  # noqa: F401
    from apps.integrations.pms import handlers as _pms  # noqa: F401
    from apps.integrations.telegram import handlers as _telegram  # noqa: F401
    from apps.integrations.waha import handlers as _waha  # noqa: F401
