"""The incident console's checklists: what the page shows (each item's state, detail, last run, a
gate's countdown, links) and its forms — "Run checklist", tick and untick — each calling
`apps.incidents.services.checklists` (incidents.change_incident, checked by the console)."""

from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.core.admin_console import valid
from apps.incidents.admin import forms as f
from apps.incidents.checklists.verification import minutes_text
from apps.incidents.models import IncidentChecklistItem, Stage, Status
from apps.incidents.services import checklists


def context(incident, now=None) -> dict:
    now = now or timezone.now()
    rows = checklists.states(incident)
    for row in rows:
        row.links = row.item.spec.url(incident) if row.item.spec else []
        seconds = row.seconds_left(now)
        row.left = None if seconds is None else minutes_text(seconds)
    return {
        "checklist_stages": [
            (Stage(stage).label, [row for row in rows if row.item.stage == stage])
            for stage in Stage.values
            if any(row.item.stage == stage for row in rows)
        ],
        "checklist_gates": _gates(incident),
    }


def _gates(incident):
    """What still keeps a sev1/sev2 from resolving or closing, for the status form."""
    gates = []
    for status in (Status.RESOLVED, Status.CLOSED):
        items = checklists.blocking_items(incident, status)
        if items:
            gates.append((checklists.GATE_VERBS[status], Stage(checklists.GATES[status]).label, items))
    return gates


def run(request, incident):
    rows = checklists.run_checklist(incident, actor=request.user, request=request)
    done = sum(1 for row in rows if row.done)
    return f"Checklist run: {done} of {len(rows)} item(s) done. The results are on the timeline."


def _row(request, incident):
    item_id = valid(f.ChecklistTickForm(request.POST))["item"]
    return get_object_or_404(IncidentChecklistItem.objects.select_related("item"), pk=item_id, incident=incident)


def tick(request, incident):
    row = _row(request, incident)
    note = valid(f.ChecklistTickForm(request.POST))["note"]
    checklists.tick(row, actor=request.user, note=note, request=request)
    return f"Ticked: {row.item.label}."


def untick(request, incident):
    row = _row(request, incident)
    checklists.untick(row, actor=request.user, request=request)
    return f"Unticked: {row.item.label}."


OPERATIONS = {"checklist-run": run, "checklist-tick": tick, "checklist-untick": untick}
