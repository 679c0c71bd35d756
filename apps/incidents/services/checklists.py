"""Checklists on the incident: their per-incident state, running the automatic items, manual ticks,
and the gate `lifecycle.check_transition` asks before a sev1/sev2 resolves or closes.

An incident follows the checklists of its first runbook that carries any (the runbook detection
chose, else those of its codes). The per-incident rows are created from that runbook when the
checklist is first shown or run. Automatic items run outside any transaction (they call Chatwoot);
the results are recorded in a second, short one. A person's run writes one summary line on the
timeline and an audit record; the beat job's runs write a line only when an item changes state."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.core.errors import ServiceError
from apps.events import audit
from apps.incidents import runbooks
from apps.incidents.models import (
    OPEN_STATUSES,
    POSTMORTEM_REQUIRED,
    STAGE_ORDER,
    Incident,
    IncidentChecklistItem,
    ItemState,
    Stage,
    Status,
    TimelineEntry,
)
from apps.incidents.services.timeline import _jsonable, add_timeline_entry

Kind = TimelineEntry.Kind
GATES = {Status.RESOLVED: Stage.RESTORE, Status.CLOSED: Stage.POST_OUTAGE}
GATE_VERBS = {Status.RESOLVED: "resolved", Status.CLOSED: "closed"}
MAX_DETAIL = 2000
RESOLVED_WAIT = timedelta(days=7)


def runbook_for(incident):
    """The runbook whose checklists the incident follows, or None."""
    for book in runbooks.for_incident(incident):
        if book.checklist_items.exists():
            return book
    return None


def _sorted(rows):
    return sorted(rows, key=lambda row: (STAGE_ORDER[row.item.stage], row.item.position, row.item_id))


def states(incident, stages=None) -> list[IncidentChecklistItem]:
    """The incident's checklist items with their state, in stage order; created from its runbook's
    checklists the first time (and any item added to the runbook since)."""
    book = runbook_for(incident)
    if book is None:
        return []
    items = list(book.checklist_items.filter(stage__in=stages or Stage.values))
    rows = list(incident.checklist.filter(item__in=items).select_related("item", "ticked_by"))
    if len(rows) == len(items):
        return _sorted(rows)
    IncidentChecklistItem.objects.bulk_create(
        [IncidentChecklistItem(incident=incident, item=item) for item in items], ignore_conflicts=True
    )
    return _sorted(incident.checklist.filter(item__in=items).select_related("item", "ticked_by"))


def has_checklists(incident) -> bool:
    return runbook_for(incident) is not None


# --- running ------------------------------------------------------------------------------------


def run_checklist(incident, *, actor=None, now=None, stages=None, request=None) -> list[IncidentChecklistItem]:
    """Runs every automatic item now (of `stages`, default all) and records the results; `actor`
    None is the beat job. Items ticked by hand stay ticked."""
    now = now or timezone.now()
    incident = Incident.objects.get(pk=incident.pk)  # the checks read its current times and tenants
    rows = [row for row in states(incident, stages) if row.item.is_automatic and row.state != ItemState.TICKED]
    if not rows and actor is not None:
        raise ServiceError(
            "This incident's checklists have no automatic item to run (or its runbook carries no checklist).",
            "no_checklist",
        )
    outcomes = [(row, _outcome(row, incident, now, actor)) for row in rows]
    with transaction.atomic():
        changed = [row for row, outcome in outcomes if _record(row, outcome, now)]
        if actor is not None:
            _record_person_run(incident, rows, actor, now, request)
        else:
            for row in changed:
                _record_change(incident, row, now)
    return states(incident, stages)


def _outcome(row, incident, now, actor):
    return row.item.spec.run(incident, row.item.params, now=now, previous=row.value, actor=_person(actor))


def _record(row, outcome, now) -> bool:
    """Stores the outcome unless someone ticked the item meanwhile; True when its state changed."""
    before = row.state
    row.state, row.detail, row.due_at, row.last_run_at = outcome.state, outcome.detail[:MAX_DETAIL], outcome.due_at, now
    row.value = _jsonable(outcome.value)
    stored = (
        IncidentChecklistItem.objects.filter(pk=row.pk)
        .exclude(state=ItemState.TICKED)
        .update(state=row.state, detail=row.detail, due_at=row.due_at, last_run_at=now, value=row.value)
    )
    return bool(stored) and before != row.state


def _record_person_run(incident, rows, actor, now, request):
    counts = {}
    for row in rows:
        counts[row.state] = counts.get(row.state, 0) + 1
    summary = ", ".join(f"{n} {ItemState(state).label.lower()}" for state, n in sorted(counts.items()))
    not_green = [f"{row.item.label} ({row.get_state_display().lower()}: {row.detail})" for row in rows if not row.done]
    text = f"Checklist run: {summary}" + (f". Not green: {'; '.join(not_green)}" if not_green else ". All green.")
    add_timeline_entry(incident, Kind.CHECKLIST, text, author=actor, at=now, data={"results": _results(rows)})
    audit.record("incident.checklist_run", actor=_person(actor), target=incident, request=request, after=counts)


def _record_change(incident, row, now):
    text = f"Checklist: {row.item.label} — {row.get_state_display().lower()}: {row.detail}"
    add_timeline_entry(incident, Kind.CHECKLIST, text, at=now, data={"results": _results([row])})


def _results(rows):
    return [
        {"item": row.item.label, "check": row.item.check_name, "state": row.state, "detail": row.detail} for row in rows
    ]


# --- ticks --------------------------------------------------------------------------------------


def _locked(row) -> IncidentChecklistItem:
    return IncidentChecklistItem.objects.select_for_update().select_related("item", "incident").get(pk=row.pk)


def tick(row, *, actor, note="", now=None, request=None) -> IncidentChecklistItem:
    """A person says the item is done: recorded with who and when, on the timeline and audited."""
    now = now or timezone.now()
    with transaction.atomic():
        row = _locked(row)
        if not row.item.tickable:
            raise ServiceError(
                f"{row.item.label!r} runs by itself and cannot be ticked by hand: fix what it checks and run the "
                "checklist, or override the gate with a reason.",
                "not_tickable",
            )
        if row.state == ItemState.TICKED:
            raise ServiceError(f"{row.item.label!r} is already ticked by {_name(row.ticked_by)}.", "already_ticked")
        row.state, row.ticked_by, row.ticked_at = ItemState.TICKED, _person(actor), now
        row.detail = f"ticked by {_name(actor)}" + (f": {note.strip()}" if note.strip() else "")
        row.due_at = None
        row.save(update_fields=["state", "ticked_by", "ticked_at", "detail", "due_at"])
        _note_tick(row, "ticked", actor, now, note, request)
    return row


def untick(row, *, actor, now=None, request=None) -> IncidentChecklistItem:
    now = now or timezone.now()
    with transaction.atomic():
        row = _locked(row)
        if row.state != ItemState.TICKED:
            raise ServiceError(f"{row.item.label!r} is not ticked.", "not_ticked")
        row.state, row.ticked_by, row.ticked_at = ItemState.PENDING, None, None
        row.detail = f"unticked by {_name(actor)}"
        row.save(update_fields=["state", "ticked_by", "ticked_at", "detail"])
        _note_tick(row, "unticked", actor, now, "", request)
    return row


def _note_tick(row, verb, actor, now, note, request):
    text = f"Checklist: {row.item.label} {verb} by {_name(actor)}" + (f": {note.strip()}" if note.strip() else "")
    add_timeline_entry(row.incident, Kind.CHECKLIST, text, author=actor, at=now, data={"item": row.item.label})
    audit.record(
        f"incident.checklist_{verb}",
        actor=_person(actor),
        target=row.incident,
        request=request,
        after={"item": row.item.label, "at": now.isoformat()},
        reason=note,
    )


# --- the gate -----------------------------------------------------------------------------------


def blocking_items(incident, status) -> list[str]:
    """The items (with their state) that keep a sev1/sev2 from becoming `status`; [] when nothing does."""
    stage = GATES.get(status)
    if stage is None or incident.severity not in POSTMORTEM_REQUIRED:
        return []
    book = runbook_for(incident)
    if book is None:
        return []
    items = list(book.checklist_items.filter(stage=stage).order_by("position", "id"))
    found = {row.item_id: row for row in incident.checklist.filter(item__in=items)}
    return [
        _blocking_label(item, found.get(item.pk)) for item in items if not (item.pk in found and found[item.pk].done)
    ]


def _done(row):
    return row is not None and row.done


def _blocking_label(item, row):
    return f"{item.label} ({'not run yet' if row is None else row.get_state_display().lower()})"


def refusal(incident, status, items) -> ServiceError:
    stage = Stage(GATES[status]).label.lower()
    return ServiceError(
        f"A {incident.severity} incident cannot be {GATE_VERBS[status]} until its {stage} checklist is done; "
        f"not yet: {'; '.join(items)}. Run the checklist, fix or tick what is left, or override with a reason.",
        "checklist_not_done",
    )


def record_override(incident, status, items, *, actor, reason, now, request=None):
    stage = Stage(GATES[status]).label.lower()
    text = f"{GATE_VERBS[status].capitalize()} over the {stage} checklist (not done: {'; '.join(items)}): {reason}"
    add_timeline_entry(incident, Kind.CHECKLIST, text, author=actor, at=now, data={"overridden": items})
    audit.record(
        "incident.checklist_overridden",
        actor=_person(actor),
        target=incident,
        request=request,
        reason=reason,
        after={"status": status, "not_done": items},
    )


# --- the beat job -------------------------------------------------------------------------------


def incidents_due(now):
    """Open incidents and those resolved within RESOLVED_WAIT (waiting to close), oldest first."""
    recent = Q(status=Status.RESOLVED, resolved_at__gte=now - RESOLVED_WAIT)
    return Incident.objects.filter(Q(status__in=OPEN_STATUSES) | recent).order_by("pk")


def run_due(now=None) -> dict:
    """The beat job: re-runs the automatic items of open incidents (restore and communication) and
    of resolved ones waiting to close (post-outage), so the page turns green by itself."""
    now = now or timezone.now()
    counts = {"incidents": 0, "items": 0, "done": 0}
    for incident in incidents_due(now):
        if not has_checklists(incident):
            continue
        rows = run_checklist(incident, now=now, stages=stages_due(incident))
        counts["incidents"] += 1
        counts["items"] += len(rows)
        counts["done"] += sum(1 for row in rows if row.done)
    return counts


def stages_due(incident):
    return [Stage.POST_OUTAGE] if incident.status == Status.RESOLVED else [Stage.RESTORE, Stage.COMMUNICATION]


def _person(actor):
    return actor if isinstance(actor, get_user_model()) and actor.pk else None


def _name(user):
    return user.get_username() if user is not None and hasattr(user, "get_username") else "system"
