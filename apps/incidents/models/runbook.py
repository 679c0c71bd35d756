from django.core.exceptions import ValidationError
from django.db import models

from apps.events import codes as catalog


def validate_names(value):
    if not isinstance(value, list) or any(not isinstance(item, str) or not item.strip() for item in value):
        raise ValidationError('Give a JSON list of names, e.g. ["redis_ping", "queue_depth"].')


def validate_codes(value):
    validate_names(value)
    unknown = [code for code in value if catalog.get(code) is None]
    if unknown:
        raise ValidationError(f"Unknown event code(s): {', '.join(unknown)}. Use codes from the catalog.")


class Runbook(models.Model):
    """What to do about one failure mode: loaded by a data migration, edited in the admin, shown
    beside matching events and incidents. `checks` name functions of `apps.health.checks`."""

    slug = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=200)
    symptom = models.TextField()
    impact = models.TextField()
    checks = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_names],
        help_text="Names of the checks that run by themselves, in order.",
    )
    fix = models.TextField()
    evidence = models.TextField(help_text="What to capture before and after the fix.")
    codes = models.JSONField(
        default=list, blank=True, validators=[validate_codes], help_text="The event codes this runbook covers."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title
