"""Operations on incidents: the only code that changes them. Detection (spikes, alert rules, health
monitors through `apps.incidents.receivers`) calls `open_or_join`; anything that acts on an
incident writes its timeline with `add_timeline_entry`. Each module imports the modules it uses
directly, so the order below does not matter."""

from apps.incidents.services.checks import run_checks
from apps.incidents.services.detection import (
    MAX_EVENTS_PER_INCIDENT_ACTION,
    attach,
    create_incident,
    open_from_events,
    open_or_join,
    severity_for_codes,
)
from apps.incidents.services.lifecycle import (
    TRANSITIONS,
    acknowledge,
    add_note,
    assign_owner,
    change_severity,
    change_status,
    check_transition,
    link_automation_run,
    link_ticket,
    update_details,
)
from apps.incidents.services.linking import link_events, link_new_events, link_recent_failures, link_runs_of_events
from apps.incidents.services.mitigations import MITIGATIONS, apply_mitigation
from apps.incidents.services.postmortem import add_follow_up, complete_follow_up, write_postmortem
from apps.incidents.services.timeline import add_timeline_entry

__all__ = [
    "MAX_EVENTS_PER_INCIDENT_ACTION",
    "MITIGATIONS",
    "TRANSITIONS",
    "acknowledge",
    "add_follow_up",
    "add_note",
    "add_timeline_entry",
    "apply_mitigation",
    "assign_owner",
    "attach",
    "change_severity",
    "change_status",
    "check_transition",
    "complete_follow_up",
    "create_incident",
    "link_automation_run",
    "link_events",
    "link_new_events",
    "link_recent_failures",
    "link_runs_of_events",
    "link_ticket",
    "open_from_events",
    "open_or_join",
    "run_checks",
    "severity_for_codes",
    "update_details",
    "write_postmortem",
]
