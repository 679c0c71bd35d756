"""What health tells the layers above it, which it never imports: incidents listen and open, join
or annotate the monitor's incident (apps/incidents/receivers.py). Receivers run inside the
transaction that holds the monitor's row, so they see and set `outcome.incident` in step."""

from django.dispatch import Signal

# outcome, title, check, now: a monitor is down outside any maintenance window.
monitor_down = Signal()
# outcome, now: a monitor that was down passed again.
monitor_recovered = Signal()
# connection: what the layers above know is wrong with a connection that its probe cannot see (the
# knowledge sync of a Chatwoot account failing run after run); a receiver returns a list of sentences
# and the connection's check fails with them, so its monitor and incident say so.
connection_problems = Signal()


def problems_of(connection) -> list[str]:
    found = []
    for _receiver, result in connection_problems.send_robust(sender=type(connection), connection=connection):
        if isinstance(result, list):
            found.extend(result)
    return found


# silence (an InboundSilence just opened), now: a connection that usually receives traffic went quiet.
inbound_silent = Signal()
# silence (just resolved), received_at, now: its traffic resumed.
inbound_resumed = Signal()
# check (a HeartbeatCheck), code ("HEARTBEAT_MISSED" or "HEARTBEAT_FAILED"), now: opens or joins
# the tenant's heartbeat incident.
heartbeat_trouble = Signal()
