"""The portal's draft forms: filters of the drafts list, and the two decisions."""

from django import forms

from apps.drafts.models import AIDraft
from apps.knowledge.models import Project


class DraftFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *AIDraft.Status.choices], required=False)
    project = forms.ModelChoiceField(queryset=Project.objects.none(), required=False, empty_label="Every project")

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.for_tenant(tenant).order_by("name")

    def filter(self, drafts):
        if not self.is_valid():
            return drafts
        status, project = self.cleaned_data["status"], self.cleaned_data["project"]
        drafts = drafts.filter(status=status) if status else drafts
        return drafts.filter(project=project) if project else drafts


class PortalApproveForm(forms.Form):
    text = forms.CharField(label="Reply to send", widget=forms.Textarea(attrs={"rows": 6}))
    confirm = forms.BooleanField(
        label="Send this reply to the customer in Chatwoot", error_messages={"required": "Tick the box to confirm."}
    )


class PortalRejectForm(forms.Form):
    reason = forms.CharField(label="Why reject it", max_length=500)
