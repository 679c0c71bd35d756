from apps.incidents.models.ban_flow import BanFlow  # noqa: F401
from apps.incidents.models.checklist import (  # noqa: F401
    DONE_STATES,
    STAGE_ORDER,
    ChecklistItem,
    IncidentChecklistItem,
    ItemState,
    Stage,
)
from apps.incidents.models.escalation import (  # noqa: F401
    FLOOR_CHOICES,
    EmergencyContact,
    EscalationPolicy,
    EscalationRule,
    EscalationRuleFiring,
    Level,
    Notification,
    OnCallEntry,
    Role,
    at_least,
    floor_label,
    redacted_webhook,
)
from apps.incidents.models.incident import (  # noqa: F401
    OPEN_STATUSES,
    POSTMORTEM_DUE_AFTER,
    POSTMORTEM_REQUIRED,
    DetectionMethod,
    FollowUp,
    Incident,
    IncidentQuerySet,
    Postmortem,
    Severity,
    Status,
    TimelineEntry,
)
from apps.incidents.models.runbook import Runbook  # noqa: F401
