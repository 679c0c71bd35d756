"""What health tells the layers above it, which it never imports: incidents listen and open, join
or annotate the monitor's incident (apps/incidents/receivers.py). Receivers run inside the
transaction that holds the monitor's row, so they see and set `outcome.incident` in step."""

from django.dispatch import Signal

# outcome, title, check, now: a monitor is down outside any maintenance window.
monitor_down = Signal()
# outcome, now: a monitor that was down passed again.
monitor_recovered = Signal()
