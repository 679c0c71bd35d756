"""Small display helpers shared by admin pages: readable JSON, values and counts, links to related
objects."""

import json

from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html


def pretty_json(value) -> str:
    if value in (None, "", {}, []):
        return "-"
    return format_html(
        '<pre style="white-space:pre-wrap;max-width:70em;margin:0">{}</pre>',
        json.dumps(value, indent=2, sort_keys=True, default=str),
    )


def number(value):
    """A count or rate as people write it: 2.0 reads 2, 2.345 reads 2.35; None stays None."""
    if isinstance(value, float):
        return int(value) if value.is_integer() else round(value, 2)
    return value


def readable(value) -> str:
    """A check's or metric's value in words: no Python reprs ("{'broker_queue': 0}") on a page."""
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return "; ".join(f"{str(key).replace('_', ' ')}: {readable(item)}" for key, item in value.items()) or "-"
    if isinstance(value, (list, tuple)):
        return ", ".join(readable(item) for item in value) or "-"
    return str(number(value))


def admin_link(obj, label=None) -> str:
    if obj is None:
        return "-"
    try:
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return str(label or obj)
    return format_html('<a href="{}">{}</a>', url, label or obj)


class ReadOnlyAdminMixin:
    """For records only the system writes (audit log, events, incidents until they have services):
    the admin shows them and offers no add, change or delete."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
