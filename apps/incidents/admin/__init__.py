"""The incidents admin: the incident list and console, notifications, escalation policies, the
on-call roster, emergency contacts and runbooks."""

from apps.incidents.admin import ban_flow, escalation, incident, runbook  # noqa: F401  (registers the model admins)
