"""Which escalation rules (the support runbook's contacts table, editable in the admin) are due for
an incident, and why. Read-only: `services.escalation.fire_rule` records a firing and queues the
notifications.

A rule is due when it applies to the incident's severity now (so a sev3 raised to sev1 makes the
sev1 rules due), its delay from detection has passed, and its trigger holds: `open` while the
incident is unresolved, `unacknowledged` while nobody acknowledged it, `component_down` while one of
its self-hosted components is down (`self_hosted`)."""

from datetime import timedelta

from apps.health.models import HealthMonitor
from apps.incidents import self_hosted
from apps.incidents.models import EscalationRule

Trigger = EscalationRule.Trigger


def active_rules() -> list[EscalationRule]:
    return list(EscalationRule.objects.filter(is_active=True))


def due(incident, rules, fired_rule_ids, now) -> list[tuple[EscalationRule, str]]:
    """(rule, why) for each rule in `rules` due for `incident` at `now` and not fired yet."""
    if not incident.is_open:
        return []
    pending = [rule for rule in rules if rule.pk not in fired_rule_ids and rule.applies_to(incident)]
    found = [(rule, why(rule, incident, now)) for rule in pending]
    return [(rule, reason) for rule, reason in found if reason]


def why(rule, incident, now) -> str:
    """Why `rule` is due for `incident` at `now`, in the words the timeline shows; "" when it is not."""
    if now < incident.detected_at + timedelta(minutes=rule.after_minutes):
        return ""
    if rule.trigger == Trigger.UNACKNOWLEDGED:
        return "" if incident.acknowledged_at else f"{incident.severity} unacknowledged {_delay(rule)}"
    if rule.trigger == Trigger.COMPONENT_DOWN:
        down = down_components(incident, rule.components)
        held = f", open {rule.after_minutes} min" if rule.after_minutes else ""
        return f"self-hosted {', '.join(down)} down ({incident.severity}{held})" if down else ""
    return (
        f"{incident.severity} at once" if not rule.after_minutes else f"{incident.severity} unresolved {_delay(rule)}"
    )


def _delay(rule):
    return f"after {rule.after_minutes} min" if rule.after_minutes else "at once"


def down_components(incident, only=()) -> list[str]:
    """The self-hosted components the incident is about, or whose health monitor linked to it is
    down; narrowed to `only` when it names any."""
    named = [name for name in incident.components or [] if name in self_hosted.SELF_HOSTED]
    found = dict.fromkeys(named + _down_monitor_components(incident))
    return [name for name in found if not only or name in only]


def _down_monitor_components(incident) -> list[str]:
    monitors = HealthMonitor.objects.filter(incident=incident, state=HealthMonitor.State.DOWN)
    return [name for monitor in monitors.select_related("connection") for name in self_hosted.of_monitor(monitor)]
