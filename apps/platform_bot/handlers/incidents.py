"""The Acknowledge and Resolve buttons of incident alerts ("incident:ack:<id>",
"incident:resolve:<id>"). A press runs the same incident service as the admin's console, as the
bound user and with that user's permissions (active staff with incidents.change_incident, the
permission the console asks for; DESIGN rule 13), so the timeline and audit name them. The pressed
message is then edited to say who did what and when; a refusal changes nothing and says why."""

from django.utils import timezone

from apps.core import zones
from apps.core.errors import ServiceError
from apps.incidents import services
from apps.incidents.models import Incident, Status
from apps.platform_bot import replies
from apps.platform_bot.callbacks import callback

CHANGE = "incidents.change_incident"
NOT_BOUND = "Your Telegram account is not bound to an Opsdesk user, so nothing was changed. Send /bind <code> first."


def _acknowledge(incident, user):
    return services.acknowledge(incident, actor=user)


def _resolve(incident, user):
    return services.change_status(incident, Status.RESOLVED, actor=user, note="Resolved from the Telegram alert.")


ACTIONS = {"ack": (_acknowledge, "Acknowledged"), "resolve": (_resolve, "Resolved")}


@callback("incident")
def incident_button(query) -> str:
    refusal = refusal_for(query.user)
    if refusal:
        return refusal
    incident = Incident.objects.filter(pk=int(query.target)).first() if query.target.isdigit() else None
    if incident is None or query.action not in ACTIONS:
        return "That incident or action no longer exists; nothing was changed."
    run, done = ACTIONS[query.action]
    try:
        incident = run(incident, query.user)
    except ServiceError as refused:
        return f"Not done: {refused}"
    line = f"{done} by {query.user.get_username()} at {zones.when(timezone.now(), 's')}."
    replies.edit_after_commit(
        query.chat_id, query.message_id, f"{query.message_text}\n\n{line}", buttons=left(incident)
    )
    return line


def refusal_for(user) -> str:
    """Why `user` may not press incident buttons, or "" when they may."""
    if user is None:
        return NOT_BOUND
    if not (user.is_active and user.is_staff and user.has_perm(CHANGE)):
        return (
            f"{user.get_username()} may not change incidents (needs {CHANGE}, e.g. the On-call engineer "
            f"group); nothing was changed."
        )
    return ""


def left(incident):
    """The buttons still worth pressing: Resolve while the incident is open."""
    if incident.status in (Status.RESOLVED, Status.CLOSED):
        return None
    return [[("Resolve", f"incident:resolve:{incident.pk}")]]
