"""Outbound messaging's operations: the only code that changes outbound state. Views, admin
actions, the API, tasks and the inbound pipeline (through apps.outbound.receivers) call these."""

from apps.outbound.services.connections import pause_sending, resume_sending
from apps.outbound.services.dispatch import dispatch, process_due
from apps.outbound.services.dispatcher import dispatch_queued, drain
from apps.outbound.services.inbound import apply_delivery_status, record_inbound, record_inbound_batch
from apps.outbound.services.messages import approve_message, cancel, create_message, create_parts, retry
from apps.outbound.services.policies import (
    contact_policy,
    opt_in,
    opt_out,
    set_tenant_settings,
    update_policy,
)
from apps.outbound.services.retention import purge_attempts

approve = approve_message

__all__ = [
    "apply_delivery_status",
    "approve",
    "approve_message",
    "cancel",
    "contact_policy",
    "create_message",
    "create_parts",
    "dispatch",
    "dispatch_queued",
    "drain",
    "opt_in",
    "opt_out",
    "pause_sending",
    "process_due",
    "purge_attempts",
    "record_inbound",
    "record_inbound_batch",
    "resume_sending",
    "retry",
    "set_tenant_settings",
    "update_policy",
]
