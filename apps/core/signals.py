from django.dispatch import Signal

# Sent with `request` and `duration_ms` when a response takes longer than SLOW_REQUEST_MS.
slow_request = Signal()

# Sent with `report` ({"app.Model.field": {"rotated", "unreadable"}}) and `actor_label` after every
# stored secret was re-encrypted with the current key; the audit log records it (events.signals).
secrets_rotated = Signal()
