"""Checklists a runbook carries and their state on one incident.

A runbook's `ChecklistItem`s are data (edited inline on the runbook's admin page): each belongs to a
stage and either names a registered checklist check (`apps.incidents.checklists`) that runs by
itself, or is a manual tick. `IncidentChecklistItem` is one item's state on one incident, created
from the runbook when the checklist is first shown or run; `apps.incidents.services.checklists`
changes it. A sev1/sev2 resolves only when its restore items are done and closes only when its
post-outage items are done (`services.lifecycle.check_transition`)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


class Stage(models.TextChoices):
    RESTORE = "restore", "Restore automation"
    POST_OUTAGE = "post_outage", "Post-outage verification"
    COMMUNICATION = "communication", "Stakeholder communication"


STAGE_ORDER = {Stage.RESTORE: 0, Stage.COMMUNICATION: 1, Stage.POST_OUTAGE: 2}


def validate_check_name(value):
    from apps.incidents.checklists import registry

    if value and registry.get(value) is None:
        raise ValidationError(
            f"No checklist check named {value!r}; use one of {', '.join(registry.names())}, or leave it empty "
            "for an item ticked by hand."
        )


class ChecklistItem(models.Model):
    """One line of a runbook's checklist: a registered check (runs by itself) or a manual tick."""

    runbook = models.ForeignKey("incidents.Runbook", on_delete=models.CASCADE, related_name="checklist_items")
    stage = models.CharField(max_length=16, choices=Stage.choices)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order within the stage, smallest first.")
    label = models.CharField(max_length=200, help_text="What must be true, as the page shows it.")
    check_name = models.CharField(
        "check",
        max_length=64,
        blank=True,
        validators=[validate_check_name],
        help_text="A registered checklist check that runs by itself; empty: an operator ticks it by hand.",
    )
    params = models.JSONField(
        default=dict, blank=True, help_text='The check\'s parameters, e.g. {"minutes": 15} for a gate.'
    )

    class Meta:
        ordering = ["runbook", "stage", "position", "id"]

    def __str__(self):
        return self.label

    @property
    def spec(self):
        from apps.incidents.checklists import registry

        return registry.get(self.check_name) if self.check_name else None

    @property
    def is_automatic(self):
        return bool(self.spec and not self.spec.manual)

    @property
    def tickable(self):
        """Manual items, and checks that accept a person's word (the team was told by phone)."""
        return self.spec is None or self.spec.tickable

    def clean(self):
        spec = self.spec
        if spec is not None:
            problems = spec.param_problems(self.params)
            if problems:
                raise ValidationError({"params": problems})
        elif self.params:
            raise ValidationError({"params": "An item ticked by hand takes no parameters."})


class ItemState(models.TextChoices):
    PENDING = "pending", "Pending"
    GREEN = "green", "Green"
    FAILED = "failed", "Failed"
    WAITING = "waiting", "Waiting"
    TICKED = "ticked", "Ticked by hand"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


DONE_STATES = (ItemState.GREEN, ItemState.TICKED, ItemState.NOT_APPLICABLE)


class IncidentChecklistItem(models.Model):
    """One checklist item's state on one incident: the last automatic result, or who ticked it."""

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="checklist")
    item = models.ForeignKey(ChecklistItem, on_delete=models.CASCADE, related_name="states")
    state = models.CharField(max_length=16, choices=ItemState.choices, default=ItemState.PENDING)
    detail = models.TextField(blank=True)
    value = models.JSONField(default=dict, blank=True, help_text="What the check measured, as evidence.")
    last_run_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(
        null=True, blank=True, help_text="A gate that is counting down turns green at this time."
    )
    ticked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["incident", "item__stage", "item__position", "item_id"]
        constraints = [models.UniqueConstraint(fields=["incident", "item"], name="incident_checklist_item_once")]

    def __str__(self):
        return f"#{self.incident_id} {self.item.label}: {self.get_state_display()}"

    @property
    def done(self):
        return self.state in DONE_STATES

    def seconds_left(self, now=None):
        if self.state != ItemState.WAITING or self.due_at is None:
            return None
        return max(0, int((self.due_at - (now or timezone.now())).total_seconds()))
