"""The Error Center and the audit log. `from apps.events import emit` is the way to record a failure."""


def emit(code, **kwargs):
    from apps.events.ingest import emit as _emit

    return _emit(code, **kwargs)
