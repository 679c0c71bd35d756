"""Incidents are made through the services, as production makes them."""

from datetime import UTC, datetime, timedelta

from apps.incidents import services

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def at(minutes=0, **kwargs):
    """T0 plus some time: the clock every incident test drives."""
    return T0 + timedelta(minutes=minutes, **kwargs)


def make_incident(
    actor, *, title="Sends failing", severity="sev2", codes=("META_SEND_FAIL",), tenants=(), now=T0, **kwargs
):
    return services.create_incident(
        actor=actor, title=title, severity=severity, codes=list(codes), tenants=list(tenants), now=now, **kwargs
    )


def resolved(incident, actor, now):
    from apps.incidents.models import Status

    return services.change_status(incident, Status.RESOLVED, actor=actor, now=now)


def postmortem(incident, actor, now, **kwargs):
    fields = {
        "root_cause": "Token expired",
        "resolution_steps": "New token",
        "preventive_actions": "Alert on token age",
        **kwargs,
    }
    return services.write_postmortem(incident, actor=actor, now=now, **fields)
