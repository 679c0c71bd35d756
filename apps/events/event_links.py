"""Every link an Error Center event carries — its incident, automation run, tickets and inbound
event — as (kind, label, admin URL), for the event page and the incident console."""

from django.urls import NoReverseMatch, reverse


def linked_events(queryset):
    """The queryset with what `links` reads, in a fixed number of queries."""
    return (
        queryset.select_related("incident", "automation_run", "inbound_event")
        .defer("inbound_event__raw_body", "inbound_event__payload", "inbound_event__headers")
        .prefetch_related("tickets")
    )


def links(event) -> list[tuple[str, str, str]]:
    found = []
    if event.incident_id:
        found.append(
            ("Incident", f"#{event.incident_id} {event.incident.title}", _url("incidents_incident", event.incident_id))
        )
    if event.automation_run_id:
        found.append(
            (
                "Automation run",
                _run_label(event.automation_run),
                _url("integrations_automationrun", event.automation_run_id),
            )
        )
    for ticket_id in ticket_ids(event):
        found.append(("Ticket", f"#{ticket_id}", _url("tickets_ticket", ticket_id)))
    if event.inbound_event_id:
        found.append(
            (
                "Inbound event",
                _inbound_label(event.inbound_event),
                _url("integrations_inboundevent", event.inbound_event_id),
            )
        )
    found += _worker_run_links(event)
    return [(kind, label, url) for kind, label, url in found if url]


def _worker_run_links(event):
    """A job's failure (JOB_FAILED keeps the run in meta): the run, and the Jobs page beside it."""
    run_id = str((event.meta or {}).get("worker_run_id") or "")
    if not run_id.isdigit():
        return []
    return [("Worker run", f"#{run_id} {event.meta.get('job', '')}".strip(), _url("jobs_workerrun", run_id))] + [
        ("Jobs page", "every job, backlogs and buttons", _named_url("jobs-page"))
    ]


def ticket_ids(event) -> list[int]:
    """The ticket the event is about (kept in meta) and the tickets that linked it."""
    named = [event.meta["ticket_id"]] if str((event.meta or {}).get("ticket_id") or "").isdigit() else []
    linked = sorted(ticket.pk for ticket in event.tickets.all()) if event.pk else []
    return list(dict.fromkeys([int(pk) for pk in named] + linked))


def _run_label(run):
    return f"run #{run.pk} ({run.get_status_display().lower()})"


def _inbound_label(inbound):
    return f"{inbound.provider} {inbound.event_type} {inbound.external_id} ({inbound.status})"


def _named_url(name):
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def _url(name, pk):
    try:
        return reverse(f"admin:{name}_change", args=[pk])
    except NoReverseMatch:
        return ""
