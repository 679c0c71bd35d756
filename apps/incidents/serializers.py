from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.events import codes as catalog
from apps.incidents import runbooks
from apps.incidents.models import (
    FollowUp,
    Incident,
    IncidentChecklistItem,
    Notification,
    Postmortem,
    Severity,
    Status,
    TimelineEntry,
)
from apps.incidents.services import checklists, evidence, mitigations

# --- input ---------------------------------------------------------------------------------


class IncidentInSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    severity = serializers.ChoiceField(choices=Severity.choices)
    codes = serializers.ListField(
        child=serializers.ChoiceField(choices=list(catalog.CATALOG)), required=False, default=list, max_length=20
    )
    tenants = serializers.ListField(
        child=serializers.SlugField(),
        required=False,
        default=list,
        max_length=500,
        help_text="Slugs of the affected tenants.",
    )
    impact = serializers.CharField(required=False, allow_blank=True, default="")
    root_cause_hypothesis = serializers.CharField(required=False, allow_blank=True, default="")


class StatusInSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=1000,
        help_text="Why a sev1/sev2 may resolve (close) before its restore (post-outage) checklist is done; audited.",
    )


class OwnerInSerializer(serializers.Serializer):
    owner = serializers.CharField(allow_null=True, help_text="A staff username, or null for nobody.")


class SeverityInSerializer(serializers.Serializer):
    severity = serializers.ChoiceField(choices=Severity.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)


class NoteInSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)


class PostmortemInSerializer(serializers.Serializer):
    root_cause = serializers.CharField()
    resolution_steps = serializers.CharField()
    preventive_actions = serializers.CharField()
    detection = serializers.CharField(required=False, allow_blank=True, default="")


class FollowUpInSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    assignee = serializers.CharField(required=False, allow_null=True, default=None, help_text="A staff username.")
    due_on = serializers.DateField(required=False, allow_null=True, default=None)


class MitigationInSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=list(mitigations.MITIGATIONS))
    tenant = serializers.SlugField(
        required=False, allow_null=True, default=None, help_text="For tenant switches: the slug of an affected tenant."
    )
    reason = serializers.CharField(max_length=500)


# --- output --------------------------------------------------------------------------------


class IncidentSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.get_username", default=None)
    tenants = serializers.SerializerMethodField()
    subject_tenant = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text="The tenant whose own behaviour it is about (tenant abuse)."
    )
    postmortem_due_at = serializers.DateTimeField(read_only=True)
    postmortem_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            "title",
            "severity",
            "status",
            "owner",
            "detection_method",
            "codes",
            "tenants",
            "subject_tenant",
            "detected_at",
            "acknowledged_at",
            "resolved_at",
            "closed_at",
            "escalation_level",
            "postmortem_due_at",
            "postmortem_overdue",
        ]

    def get_tenants(self, incident) -> list[str]:
        return [tenant.slug for tenant in incident.affected_tenants.all()]

    def get_postmortem_overdue(self, incident) -> bool:
        return incident.postmortem_overdue(timezone.now())


class TimelineEntrySerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author_label")

    class Meta:
        model = TimelineEntry
        fields = ["at", "kind", "text", "author", "data"]


class ChecklistItemStateSerializer(serializers.ModelSerializer):
    """One checklist item's state on the incident (ticked_by: the username; due_at: a gate's end)."""

    stage = serializers.CharField(source="item.stage")
    label = serializers.CharField(source="item.label")
    check = serializers.CharField(source="item.check_name")
    ticked_by = serializers.CharField(source="ticked_by.get_username", default=None)

    class Meta:
        model = IncidentChecklistItem
        fields = ["id", "stage", "label", "check", "state", "detail", "last_run_at", "due_at", "ticked_by", "ticked_at"]


class FollowUpSerializer(serializers.ModelSerializer):
    assignee = serializers.CharField(source="assignee.get_username", default=None)

    class Meta:
        model = FollowUp
        fields = ["id", "title", "assignee", "due_on", "done", "done_at"]


class PostmortemSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.get_username", default=None)

    class Meta:
        model = Postmortem
        fields = [
            "root_cause",
            "resolution_steps",
            "detection",
            "preventive_actions",
            "duration_minutes",
            "timeline_snapshot",
            "author",
            "written_at",
            "updated_at",
        ]


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = [
            "id",
            "level",
            "role",
            "channel",
            "reason",
            "recipient",
            "status",
            "attempts",
            "error",
            "created_at",
            "sent_at",
        ]


class IncidentDetailSerializer(IncidentSerializer):
    timeline = TimelineEntrySerializer(many=True, read_only=True)
    follow_ups = FollowUpSerializer(many=True, read_only=True)
    notifications = NotificationSerializer(many=True, read_only=True)
    postmortem = serializers.SerializerMethodField()
    duration_minutes = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField()
    runbooks = serializers.SerializerMethodField()
    tickets = serializers.SerializerMethodField()
    automation_runs = serializers.SerializerMethodField()
    checklist = serializers.SerializerMethodField()

    class Meta(IncidentSerializer.Meta):
        fields = IncidentSerializer.Meta.fields + [
            "impact",
            "root_cause_hypothesis",
            "public_update",
            "affected_conversations",
            "sla_breaches",
            "started_at",
            "mitigated_at",
            "duration_minutes",
            "evidence",
            "runbooks",
            "tickets",
            "automation_runs",
            "checklist",
            "timeline",
            "follow_ups",
            "postmortem",
            "notifications",
        ]

    @extend_schema_field(PostmortemSerializer(allow_null=True))
    def get_postmortem(self, incident):
        return PostmortemSerializer(incident.postmortem).data if incident.has_postmortem else None

    @extend_schema_field(ChecklistItemStateSerializer(many=True))
    def get_checklist(self, incident):
        """The checklists of the incident's runbook with each item's state (created when first read)."""
        return ChecklistItemStateSerializer(checklists.states(incident), many=True).data

    def get_duration_minutes(self, incident) -> int:
        return int(incident.duration().total_seconds() // 60)

    def get_evidence(self, incident) -> dict:
        return evidence.judge(incident)

    def get_runbooks(self, incident) -> list[dict]:
        return [
            {"slug": book.slug, "title": book.title, "checks": book.checks} for book in runbooks.for_incident(incident)
        ]

    def get_tickets(self, incident) -> list[int]:
        return list(incident.tickets.order_by("pk").values_list("pk", flat=True))

    def get_automation_runs(self, incident) -> list[dict]:
        return [
            {"id": run.pk, "tenant": run.tenant.slug, "bot": run.bot.name, "status": run.status, "error": run.error}
            for run in incident.automation_runs.select_related("tenant", "bot").order_by("pk")
        ]
