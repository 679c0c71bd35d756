from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.jobs.admin_forms import MAX_BATCH_SIZE, unsyncable
from apps.jobs.models import WorkerRun
from apps.knowledge.models import Project


class WorkerRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkerRun
        fields = [
            "id",
            "name",
            "status",
            "trigger",
            "params",
            "queued_at",
            "started_at",
            "finished_at",
            "duration_ms",
            "counts",
            "error",
        ]


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}], "description": "Project id or slug."})
class ProjectReference(serializers.Field):
    """A knowledge project by id, or by slug when only one tenant uses that slug."""

    default_error_messages = {
        "missing": "No project {value!r}.",
        "ambiguous": "Several tenants have a project {value!r} (ids {ids}); give the id.",
        "type": "Give the project's id or slug.",
    }

    def to_internal_value(self, value):
        if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip():
            self.fail("type")
        text = str(value).strip()
        found = list(Project.objects.filter(pk=int(text)) if text.isdigit() else Project.objects.filter(slug=text))
        if not found:
            self.fail("missing", value=text)
        if len(found) > 1:
            self.fail("ambiguous", value=text, ids=", ".join(str(project.pk) for project in found))
        return found[0]

    def to_representation(self, project):
        return project.pk


class ProjectRequest(serializers.Serializer):
    project = ProjectReference(required=False)

    def params(self) -> dict:
        project = self.validated_data.get("project")
        return {"project_id": project.pk} if project else {}


class SyncRequest(ProjectRequest):
    def validate_project(self, project):
        if unsyncable(project):
            raise serializers.ValidationError(unsyncable(project))
        return project


class EmbedRequest(ProjectRequest):
    batch_size = serializers.IntegerField(required=False, min_value=1, max_value=MAX_BATCH_SIZE)

    def params(self) -> dict:
        size = self.validated_data.get("batch_size")
        return {**super().params(), **({"batch_size": size} if size else {})}
