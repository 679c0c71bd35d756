"""Staff groups and their model permissions, declared once.

The data migration creates the groups; a post_migrate hook re-applies the rules so models
added by later apps join the right groups without another hand-written migration."""

from django.db.models.signals import post_migrate
from django.dispatch import receiver

OPERATIONS_APPS = (
    "events",
    "incidents",
    "tickets",
    "integrations",
    "outbound",
    "jobs",
    "tenants",
    "ai",
    "knowledge",
    "drafts",
    "comms",
)
NEVER_WRITABLE = {("events", "auditevent")}

# Each rule: (app label or "*", model name or "*", action).
GROUP_RULES = {
    "Read-only": [("*", "*", "view")],
    "Support agent": [("*", "*", "view")]
    + [("tickets", "*", action) for action in ("add", "change")]
    + [("events", "systemevent", "change"), ("outbound", "*", "change"), ("integrations", "inboundevent", "change")]
    + [("drafts", "aidraft", "change")],  # approve & publish or reject an AI draft
    "On-call engineer": [("*", "*", "view")]
    + [(app, "*", action) for app in OPERATIONS_APPS for action in ("add", "change")]
    + [("django_celery_beat", "*", "change")],
}
HIDDEN_APPS = {"sessions", "contenttypes", "admin", "axes"}


def rule_matches(rule, app_label, model, action):
    rule_app, rule_model, rule_action = rule
    return rule_app in ("*", app_label) and rule_model in ("*", model) and rule_action == action


def permitted(group_name, app_label, model, action) -> bool:
    if app_label in HIDDEN_APPS and action != "view":
        return False
    if (app_label, model) in NEVER_WRITABLE and action != "view":
        return False
    if app_label == "auth" and action != "view":
        return False
    return any(rule_matches(rule, app_label, model, action) for rule in GROUP_RULES[group_name])


def sync_groups(Group, Permission):
    perms = list(Permission.objects.select_related("content_type"))
    for name in GROUP_RULES:
        group, _ = Group.objects.get_or_create(name=name)
        wanted = [
            p
            for p in perms
            if permitted(name, p.content_type.app_label, p.content_type.model, p.codename.split("_", 1)[0])
        ]
        group.permissions.set(wanted)


@receiver(post_migrate)
def sync_groups_after_migrate(sender, **kwargs):
    """Runs once per migrate, after the last app, when every app's permissions exist."""
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    if sender.label == list(apps.get_app_configs())[-1].label:
        sync_groups(Group, Permission)
