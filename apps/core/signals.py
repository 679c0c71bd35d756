from django.dispatch import Signal

# Sent with `request` and `duration_ms` when a response takes longer than SLOW_REQUEST_MS.
slow_request = Signal()

# Sent with `report` ({"app.Model.field": {"rotated", "unreadable"}}) and `actor_label` after every
# stored secret was re-encrypted with the current key; the audit log records it (events.signals).
secrets_rotated = Signal()

# Sent with `table`, `context` (the RLS context's label), `request_id` and `job_id` when PostgreSQL
# refused a write by row-level security (apps/core/db_context.py); apps.events records RLS_VIOLATION.
rls_violation = Signal()

# Sent with `query` (apps.core.slow_queries.SlowQuery) after the request or task that ran a
# statement slower than SLOW_QUERY_MS; the Error Center records it as SLOW_QUERY.
slow_query = Signal()

# Sent with `outage` (apps.core.db_outages.Outage) once the database answers again after
# connection errors; a receiver returns False when it could not record it (the spool keeps it).
database_recovered = Signal()
