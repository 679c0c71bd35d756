"""Outbound messaging's operations: the only code that changes outbound state. Views, admin
actions, the API, tasks and the inbound pipeline (through apps.outbound.receivers) call these."""

from apps.outbound.services.connections import pause_sending, resume_sending  # noqa: F401
from apps.outbound.services.dispatch import dispatch, process_due  # noqa: F401
from apps.outbound.services.inbound import apply_delivery_status, record_inbound  # noqa: F401
from apps.outbound.services.messages import approve_message, cancel, create_message, retry  # noqa: F401
from apps.outbound.services.retention import purge_attempts  # noqa: F401
from apps.outbound.services.policies import (  # noqa: F401
    contact_policy,
    opt_in,
    opt_out,
    set_tenant_settings,
    update_policy,
)

approve = approve_message
