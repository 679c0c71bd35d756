from django.core.exceptions import ValidationError
from django.db import models


class Comparison(models.TextChoices):
    ABOVE = "above", "Above"
    BELOW = "below", "Below"


class AlertState(models.TextChoices):
    OK = "ok", "OK"
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"


class AlertRule(models.Model):
    """A threshold on a registered metric. `consecutive` evaluations must agree before the state
    changes; pending_state/pending_count track the streak."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    metric = models.CharField(max_length=100, help_text="A name from apps.events.metrics.REGISTRY.")
    params = models.JSONField(default=dict, blank=True)
    comparison = models.CharField(max_length=10, choices=Comparison.choices, default=Comparison.ABOVE)
    warning_threshold = models.FloatField(null=True, blank=True)
    critical_threshold = models.FloatField(null=True, blank=True)
    window_minutes = models.PositiveIntegerField(default=60)
    min_volume = models.PositiveIntegerField(
        default=0,
        help_text="For a rate: fewer outcomes than this in the window (messages, webhooks, answered "
        "tickets) is no data, so one failed message out of one does not go critical. 0: no minimum.",
    )
    consecutive = models.PositiveIntegerField(default=1)
    enabled = models.BooleanField(default=True)
    priority = models.CharField(max_length=10, blank=True, help_text='e.g. "P1".')
    state = models.CharField(max_length=10, choices=AlertState.choices, default=AlertState.OK)
    pending_state = models.CharField(max_length=10, choices=AlertState.choices, blank=True)
    pending_count = models.PositiveIntegerField(default=0)
    last_value = models.FloatField(null=True, blank=True)
    last_evaluated_at = models.DateTimeField(null=True, blank=True)
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "events"
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        from apps.events import metrics

        if self.metric not in metrics.REGISTRY:
            raise ValidationError({"metric": f"Unknown metric {self.metric!r}."})
        if self.warning_threshold is None and self.critical_threshold is None:
            raise ValidationError("Set a warning or a critical threshold.")
        if self.consecutive < 1:
            raise ValidationError({"consecutive": "At least 1."})


class AlertEvaluation(models.Model):
    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="evaluations")
    evaluated_at = models.DateTimeField()
    value = models.FloatField(null=True, blank=True)
    volume = models.PositiveIntegerField(null=True, blank=True, help_text="Outcomes the rate was taken over.")
    observed_state = models.CharField(max_length=10, choices=AlertState.choices, blank=True)
    state_after = models.CharField(max_length=10, choices=AlertState.choices)
    transitioned = models.BooleanField(default=False)

    class Meta:
        app_label = "events"
        ordering = ["-evaluated_at", "-id"]
        indexes = [models.Index(fields=["rule", "-evaluated_at"], name="alert_eval_rule_time")]

    def __str__(self):
        return f"{self.rule} {self.evaluated_at:%Y-%m-%d %H:%M} {self.state_after}"
