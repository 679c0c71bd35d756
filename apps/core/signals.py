from django.dispatch import Signal

# Sent with `request` and `duration_ms` when a response takes longer than SLOW_REQUEST_MS.
slow_request = Signal()
