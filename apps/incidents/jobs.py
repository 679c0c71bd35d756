from datetime import timedelta

from apps.incidents import escalation, notifications
from apps.incidents.services import detection
from apps.jobs.registry import register


@register("events.detect_spikes", every=timedelta(minutes=1))
def detect_spikes():
    """Opens or joins an incident for each error code spiking across tenants, and a tenant-abuse incident
    for a tenant whose AI violations or volume spike (the name predates the move)."""
    result = detection.detect_spikes()
    abuse = result["tenant_abuse"]
    return {
        "spiking_codes": len(result["spiking_codes"]),
        "opened": result["opened"],
        "joined": result["joined"],
        "tenant_abuse_opened": abuse["opened"],
        "tenant_abuse_joined": abuse["joined"],
    }


@register("events.evaluate_alert_rules", every=timedelta(minutes=1))
def evaluate_alert_rules():
    """Evaluates every enabled alert rule."""
    return detection.evaluate_alert_rules()


@register("incidents.escalate", every=timedelta(minutes=1))
def escalate():
    """Tells the next on-call level about open incidents past their policy's deadlines, and the role of
    every escalation rule that came due (support lead, engineering manager, CEO, infrastructure)."""
    result = escalation.escalate_due()
    return {**result, "requeued": notifications.requeue_stale()}


@register("incidents.whatsapp_ban_watch", every=timedelta(minutes=1))
def whatsapp_ban_watch():
    """Step 5 of the ban flow: checks each re-enabled tenant's WhatsApp session every minute for an
    hour; a failure reopens its incident one severity higher."""
    from apps.incidents.services import ban_flow

    return ban_flow.watch()


@register("incidents.run_checklists", every=timedelta(minutes=1))
def run_checklists():
    """Re-runs the automatic checklist items of open incidents and of resolved ones waiting to close,
    so an incident's checklists turn green by themselves."""
    from apps.incidents.services import checklists

    return checklists.run_due()
