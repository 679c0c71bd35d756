"""The Jobs page's buttons as forms: what each may ask for, checked before anything is queued."""

from django import forms

from apps.knowledge.models import Project, ProjectSource

MAX_BATCH_SIZE = 512


class ProjectChoice(forms.ModelChoiceField):
    def label_from_instance(self, project):
        return f"{project.name} ({project.tenant.name}, #{project.pk})"


def project_field():
    return ProjectChoice(
        queryset=Project.objects.select_related("tenant").order_by("tenant__name", "name"),
        required=False,
        empty_label="All projects",
    )


def unsyncable(project) -> str:
    """Why a sync of this one project would do nothing ("" when it has an active Chatwoot source)."""
    sources = ProjectSource.objects.filter(project=project, is_active=True, connection__is_active=True)
    if sources.exists():
        return ""
    return f"{project.name} has no active Chatwoot source: bind one (Knowledge → Project sources) first."


class ReasonField(forms.CharField):
    def __init__(self):
        super().__init__(
            required=False,
            max_length=500,
            widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
            help_text="Optional: why, for the audit log.",
        )


class SyncForm(forms.Form):
    project = project_field()
    reason = ReasonField()

    def clean_project(self):
        project = self.cleaned_data.get("project")
        if project is not None and unsyncable(project):
            raise forms.ValidationError(unsyncable(project))
        return project

    def params(self) -> dict:
        project = self.cleaned_data.get("project")
        return {"project_id": project.pk} if project else {}


class EmbedForm(forms.Form):
    project = project_field()
    batch_size = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_BATCH_SIZE,
        help_text="Empty: EMBED_BATCH_SIZE. Lower it (20 is a safe start) when the provider refuses big batches.",
    )
    reason = ReasonField()

    def params(self) -> dict:
        project, size = self.cleaned_data.get("project"), self.cleaned_data.get("batch_size")
        return {
            **({"project_id": project.pk} if project else {}),
            **({"batch_size": size} if size else {}),
        }


class TickForm(forms.Form):
    reason = ReasonField()

    def params(self) -> dict:
        return {}
