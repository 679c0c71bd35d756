"""What an operator needs first when the admin opens: open incidents by severity, today's failures,
dead letters, failing monitors and tickets about to breach their SLA, each a link to the list
behind it. Only what the operator may view is shown."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

OPEN = "status__in=detected,triaged,mitigating"


@dataclass
class Item:
    label: str
    value: int
    url: str
    detail: str = ""

    @property
    def alarming(self):
        return self.value > 0


def items(user, now=None) -> list[Item]:
    now = now or timezone.now()
    found = []
    for permission, build in BUILDERS:
        if user.has_perm(permission):
            found += build(now)
    return found


def _incidents(now):
    from apps.incidents.models import Incident, Severity

    counts = dict(Incident.objects.open().values_list("severity").annotate(n=Count("id")).order_by())
    base = reverse("admin:incidents_incident_changelist")
    return [
        Item(
            f"Open incidents, {value}",
            counts.get(value, 0),
            f"{base}?{OPEN}&severity__exact={value}",
            label.split(" — ", 1)[-1],
        )
        for value, label in Severity.choices
    ]


def _failures_today(now):
    from apps.events.models import SystemEvent
    from apps.events.queries import start_of_day

    today = start_of_day(now)
    count = SystemEvent.objects.filter(occurred_at__gte=today, occurred_at__lte=now).count()
    return [Item("Failures today (UTC)", count, reverse("admin:events_dashboard"), "events in the Error Center")]


def _dead_letters(now):
    from apps.integrations.models import InboundEvent

    count = InboundEvent.objects.filter(status=InboundEvent.Status.DEAD_LETTERED).count()
    return [Item("Dead letters", count, reverse("admin:integrations_deadletter_changelist"), "webhooks to replay")]


def _monitors(now):
    from apps.health.models import HealthMonitor

    failing = HealthMonitor.objects.filter(
        enabled=True, state__in=[HealthMonitor.State.FAILING, HealthMonitor.State.DOWN]
    )
    url = reverse("admin:health_healthmonitor_changelist") + "?state__in=failing,down"
    return [Item("Monitors failing", failing.count(), url, "health checks not passing")]


def _sla(now):
    from apps.tickets.models import ACTIVE_STATUSES, Ticket
    from apps.tickets.sla import soon_cutoff

    soon = Ticket.objects.filter(status__in=ACTIVE_STATUSES, sla_next_due_at__lte=soon_cutoff(now)).count()
    url = reverse("admin:tickets_ticket_changelist") + "?queue=breaching"
    return [
        Item("SLA breaches soon", soon, url, f"tickets due within {settings.TICKET_SLA_SOON_MINUTES} min or overdue")
    ]


def _jobs(now):
    from apps.jobs.models import WorkerRun
    from apps.jobs.services import last_runs

    failing = [name for name, run in last_runs().items() if run and run.status == WorkerRun.Status.FAILED]
    detail = ", ".join(failing[:3]) + (" …" if len(failing) > 3 else "") if failing else "schedule, sync, embeddings"
    return [Item("Jobs whose last run failed", len(failing), reverse("jobs-page"), detail)]


def _ai_fallbacks(now):
    from datetime import timedelta

    from apps.ai.models import AIRequest, Outcome

    count = AIRequest.objects.filter(outcome=Outcome.FALLBACK, created_at__gte=now - timedelta(hours=1)).count()
    detail = "AI answers that were the fallback text: every provider failed"
    return [Item("AI fallbacks, last hour", count, reverse("ai_usage:overview"), detail)]


BUILDERS = [
    ("incidents.view_incident", _incidents),
    ("events.view_systemevent", _failures_today),
    ("integrations.view_inboundevent", _dead_letters),
    ("health.view_healthmonitor", _monitors),
    ("tickets.view_ticket", _sla),
    ("jobs.view_workerrun", _jobs),
    ("ai.view_airequest", _ai_fallbacks),
]
