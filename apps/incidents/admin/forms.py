"""The forms of the incident console. Each one feeds exactly one service call."""

from django import forms
from django.contrib.auth import get_user_model

from apps.events import codes as catalog
from apps.incidents.models import Severity, Status
from apps.incidents.services import mitigations


def staff_users():
    return get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username")


class NoteForm(forms.Form):
    text = forms.CharField(label="Note", max_length=5000, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)
    note = forms.CharField(required=False, max_length=1000, help_text="Optional: why, for the timeline.")
    override_reason = forms.CharField(
        label="Override with reason",
        required=False,
        max_length=1000,
        help_text="Only to resolve or close a sev1/sev2 before its checklist is done: why (audited, on the timeline).",
    )


class ChecklistTickForm(forms.Form):
    item = forms.IntegerField(min_value=1)
    note = forms.CharField(required=False, max_length=500, help_text="Optional: how you know, for the timeline.")


class OwnerForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=None, required=False, empty_label="Nobody")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff_users()


class SeverityForm(forms.Form):
    severity = forms.ChoiceField(choices=Severity.choices)
    reason = forms.CharField(required=False, max_length=1000)


class DetailsForm(forms.Form):
    title = forms.CharField(max_length=300)
    root_cause_hypothesis = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))
    impact = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))
    public_update = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="Shown on the public status page: no tenant names, no internals.",
    )
    affected_conversations = forms.IntegerField(min_value=0)
    sla_breaches = forms.IntegerField(min_value=0, label="SLA breaches")


class FollowUpForm(forms.Form):
    title = forms.CharField(max_length=300)
    assignee = forms.ModelChoiceField(queryset=None, required=False, empty_label="Nobody yet")
    due_on = forms.DateField(required=False, help_text="YYYY-MM-DD", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff_users()


class PostmortemForm(forms.Form):
    root_cause = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))
    resolution_steps = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))
    detection = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="Empty: the detection method, time and time to acknowledge.",
    )
    preventive_actions = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))


class TenantSwitchForm(forms.Form):
    tenant = forms.IntegerField(widget=forms.HiddenInput)
    action = forms.ChoiceField(choices=mitigations.choices(per_tenant=True))
    reason = forms.CharField(max_length=500, help_text="Required: it goes into the audit log and the timeline.")


class GlobalSwitchForm(forms.Form):
    action = forms.ChoiceField(choices=mitigations.choices(per_tenant=False))
    reason = forms.CharField(max_length=500, help_text="Required: it goes into the audit log and the timeline.")


class LinkTicketForm(forms.Form):
    ticket = forms.IntegerField(min_value=1, label="Ticket #")


class LinkAutomationRunForm(forms.Form):
    run = forms.IntegerField(min_value=1, label="Automation run #")


class NewIncidentForm(forms.Form):
    title = forms.CharField(max_length=300)
    severity = forms.ChoiceField(choices=Severity.choices, initial=Severity.SEV3)
    codes = forms.MultipleChoiceField(
        choices=catalog.choices, required=False, help_text="The event codes it is about: they choose the runbook."
    )
    tenants = forms.ModelMultipleChoiceField(queryset=None, required=False, label="Affected tenants")
    impact = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))
    root_cause_hypothesis = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))

    def __init__(self, *args, **kwargs):
        from apps.tenants.models import Tenant

        super().__init__(*args, **kwargs)
        self.fields["tenants"].queryset = Tenant.objects.order_by("name")
