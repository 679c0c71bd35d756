"""The on-call roster: who holds each escalation level, and how to reach them. It decides who is
woken at night, so every change is audited; the Slack webhook is a secret and is audited only as
"set" or "removed", never its URL."""

from django.db import transaction

from apps.events import audit
from apps.incidents.models import OnCallEntry

FIELDS = ("level", "role", "name", "email", "phone", "notify_by_telegram", "starts_at", "ends_at")


def save_entry(entry, *, slack_webhook_url="", clear_slack_webhook=False, actor=None, request=None) -> OnCallEntry:
    """Adds or changes a roster entry. An empty `slack_webhook_url` keeps the stored one."""
    if clear_slack_webhook:
        entry.set_slack_webhook_url("")
    elif slack_webhook_url:
        entry.set_slack_webhook_url(slack_webhook_url)
    entry.full_clean()
    with transaction.atomic():
        before = _stored_state(entry.pk)
        entry.save()
        audit.record(
            "oncall.added" if before is None else "oncall.changed",
            actor=actor,
            target=entry,
            before=before or {},
            after=_state(entry),
            request=request,
        )
    return entry


def remove_entry(entry, *, actor=None, request=None) -> None:
    with transaction.atomic():
        audit.record("oncall.removed", actor=actor, target=entry, before=_state(entry), request=request)
        entry.delete()


def _stored_state(pk):
    stored = OnCallEntry.objects.filter(pk=pk).first() if pk else None
    return _state(stored) if stored else None


def _state(entry) -> dict:
    state = {name: _plain(getattr(entry, name)) for name in FIELDS}
    state["user"] = entry.user.get_username() if entry.user_id else ""
    state["slack_webhook"] = bool(entry.slack_webhook_encrypted and entry.slack_webhook_url)
    return state


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value
