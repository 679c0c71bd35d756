# Checklists on the incident: runbook checklist items and their state per incident.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import apps.incidents.models.checklist


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0016_seed_escalation_rules"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="timelineentry",
            name="kind",
            field=models.CharField(
                choices=[
                    ("status", "Status"),
                    ("owner", "Owner"),
                    ("severity", "Severity"),
                    ("note", "Note"),
                    ("switch", "Switch"),
                    ("check", "Check"),
                    ("notification", "Notification"),
                    ("system", "System"),
                    ("recovery", "Recovery"),
                    ("checklist", "Checklist"),
                ],
                max_length=16,
            ),
        ),
        migrations.CreateModel(
            name="ChecklistItem",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "stage",
                    models.CharField(
                        choices=[
                            ("restore", "Restore automation"),
                            ("post_outage", "Post-outage verification"),
                            ("communication", "Stakeholder communication"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "position",
                    models.PositiveSmallIntegerField(default=0, help_text="Order within the stage, smallest first."),
                ),
                ("label", models.CharField(help_text="What must be true, as the page shows it.", max_length=200)),
                (
                    "check_name",
                    models.CharField(
                        blank=True,
                        help_text="A registered checklist check that runs by itself; empty: an operator ticks it by hand.",
                        max_length=64,
                        validators=[apps.incidents.models.checklist.validate_check_name],
                        verbose_name="check",
                    ),
                ),
                (
                    "params",
                    models.JSONField(
                        blank=True, default=dict, help_text='The check\'s parameters, e.g. {"minutes": 15} for a gate.'
                    ),
                ),
                (
                    "runbook",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="checklist_items",
                        to="incidents.runbook",
                    ),
                ),
            ],
            options={
                "ordering": ["runbook", "stage", "position", "id"],
            },
        ),
        migrations.CreateModel(
            name="IncidentChecklistItem",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("green", "Green"),
                            ("failed", "Failed"),
                            ("waiting", "Waiting"),
                            ("ticked", "Ticked by hand"),
                            ("not_applicable", "Not applicable"),
                        ],
                        default="pending",
                        max_length=16,
                    ),
                ),
                ("detail", models.TextField(blank=True)),
                (
                    "value",
                    models.JSONField(blank=True, default=dict, help_text="What the check measured, as evidence."),
                ),
                ("last_run_at", models.DateTimeField(blank=True, null=True)),
                (
                    "due_at",
                    models.DateTimeField(
                        blank=True, help_text="A gate that is counting down turns green at this time.", null=True
                    ),
                ),
                ("ticked_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="checklist", to="incidents.incident"
                    ),
                ),
                (
                    "item",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="states", to="incidents.checklistitem"
                    ),
                ),
                (
                    "ticked_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["incident", "item__stage", "item__position", "item_id"],
                "constraints": [
                    models.UniqueConstraint(fields=("incident", "item"), name="incident_checklist_item_once")
                ],
            },
        ),
    ]
