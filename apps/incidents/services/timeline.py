"""The incident's timeline: every service that acts on an incident writes its line here."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from apps.core.errors import ServiceError
from apps.incidents.models import TimelineEntry

MAX_TEXT = 5000


def add_timeline_entry(incident, kind, text, *, author=None, data=None, at=None) -> TimelineEntry:
    """Appends one entry. `kind` is a TimelineEntry.Kind value; `data` any JSON-able dict (datetimes as
    ISO text, other values that are not JSON as their text)."""
    if kind not in TimelineEntry.Kind.values:
        raise ServiceError(
            f"Unknown timeline kind {kind!r}; use one of {', '.join(TimelineEntry.Kind.values)}.", "invalid_kind"
        )
    text = (text or "").strip()
    if not text:
        raise ServiceError("A timeline entry needs text.", "empty_text")
    return TimelineEntry.objects.create(
        incident=incident,
        kind=kind,
        text=text[:MAX_TEXT],
        data=_jsonable(data or {}),
        author=_user(author),
        at=at or timezone.now(),
    )


class _Encoder(DjangoJSONEncoder):
    """Datetimes, decimals and UUIDs as Django writes them; anything else as its text."""

    def default(self, o):
        try:
            return super().default(o)
        except TypeError:
            return str(o)


def _jsonable(data):
    return json.loads(json.dumps(data, cls=_Encoder))


def _user(author):
    """Only a stored user is an author; API key wrappers and anonymous users are not."""
    if author is None or not getattr(author, "is_authenticated", False):
        return None
    from django.contrib.auth import get_user_model

    return author if isinstance(author, get_user_model()) and author.pk else None


def snapshot(incident) -> list[dict]:
    """The timeline as plain data, for the postmortem."""
    return [
        {"at": entry.at.isoformat(), "kind": entry.kind, "text": entry.text, "author": entry.author_label}
        for entry in incident.timeline.select_related("author").order_by("at", "id")
    ]
