"""The support-loop check as a monitor: one HealthMonitor per tenant (`support_loop:<tenant id>`,
check support_loop_e2e), created off — it posts to the tenant's real Chatwoot, so an operator turns
its schedule on in the health monitors admin; a failing loop then opens an incident like any monitor.
"Run the support-loop check" on a source's page queues one run on Celery (it waits on webhooks) and
the page shows the monitor's latest result with its steps."""

from django.db import transaction

from apps.drafts.e2e import NAME
from apps.events import audit
from apps.health.models import HealthMonitor


def loop_monitor(tenant) -> HealthMonitor:
    monitor, _ = HealthMonitor.objects.get_or_create(
        key=f"support_loop:{tenant.pk}",
        defaults={
            "name": f"Support loop end to end ({tenant.slug})",
            "kind": HealthMonitor.Kind.CONNECTION,
            "check_name": NAME,
            "tenant": tenant,
            "enabled": False,
        },
    )
    return monitor


def latest_result(tenant):
    monitor = HealthMonitor.objects.filter(key=f"support_loop:{tenant.pk}").first()
    return monitor.results.order_by("-at").first() if monitor else None


def queue_loop_check(source, *, by, request=None) -> HealthMonitor:
    """Queues one run of the check for the source's tenant (audited); the worker records the result."""
    monitor = loop_monitor(source.tenant)
    audit.record("drafts.support_loop_check", actor=by, tenant=source.tenant, target=source, request=request)
    transaction.on_commit(lambda: _queue(monitor.pk))
    return monitor


def _queue(monitor_id):
    from apps.core.tasks import publish
    from apps.drafts import tasks

    publish(tasks.run_support_loop, monitor_id)
