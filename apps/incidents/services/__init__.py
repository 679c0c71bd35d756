"""Operations on incidents: the only code that changes them. Detection in the Error Center and
health monitors call `open_or_join`; anything that acts on an incident writes its timeline with
`add_timeline_entry`."""
from apps.incidents.services.timeline import add_timeline_entry  # noqa: F401  (first: the others use it)
from apps.incidents.services.detection import (  # noqa: F401
    MAX_EVENTS_PER_INCIDENT_ACTION, attach, create_incident, open_from_events, open_or_join, severity_for_codes,
)
from apps.incidents.services.linking import link_events, link_new_events, link_recent_failures, link_runs_of_events  # noqa: F401
from apps.incidents.services.lifecycle import (  # noqa: F401
    TRANSITIONS, acknowledge, add_note, assign_owner, change_severity, change_status, check_transition,
    link_automation_run, link_ticket, update_details,
)
from apps.incidents.services.postmortem import add_follow_up, complete_follow_up, write_postmortem  # noqa: F401
from apps.incidents.services.mitigations import MITIGATIONS, apply_mitigation  # noqa: F401
from apps.incidents.services.checks import run_checks  # noqa: F401
