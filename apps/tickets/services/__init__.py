"""Every change of state of a ticket. Views, admin pages, the API, tasks and other apps call
these; each locks the ticket, applies the status rules and the SLA clock, writes the message,
queues the emails it causes and audits what is sensitive, in one transaction. One module per
concept: creating, conversation, lifecycle (status rules), properties, links."""

from apps.tickets.services.common import MAX_BODY
from apps.tickets.services.conversation import (
    add_note,
    add_system_note,
    apply_macro,
    customer_reply,
    reply,
    reply_to_incident_tickets,
)
from apps.tickets.services.creating import create_ticket
from apps.tickets.services.lifecycle import TRANSITIONS, change_status, close_solved_tickets
from apps.tickets.services.links import (
    MAX_EVENTS_PER_LINK,
    correlated_events,
    correlation_ids,
    link_automation_runs,
    link_detected_incident,
    link_events,
    recent_automation_runs,
    record_incident,
)
from apps.tickets.services.properties import assign, set_priority, set_tags

__all__ = [
    "MAX_BODY",
    "MAX_EVENTS_PER_LINK",
    "TRANSITIONS",
    "add_note",
    "add_system_note",
    "apply_macro",
    "assign",
    "change_status",
    "close_solved_tickets",
    "correlated_events",
    "correlation_ids",
    "create_ticket",
    "customer_reply",
    "link_automation_runs",
    "link_detected_incident",
    "link_events",
    "record_incident",
    "recent_automation_runs",
    "reply",
    "reply_to_incident_tickets",
    "set_priority",
    "set_tags",
]
