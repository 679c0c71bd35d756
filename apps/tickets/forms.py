from django import forms

from apps.tickets.models import Priority, Status


class NewTicketForm(forms.Form):
    subject = forms.CharField(max_length=300)
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.NORMAL)
    body = forms.CharField(label="What happened?", max_length=20000, widget=forms.Textarea(attrs={"rows": 8}))


class ReplyForm(forms.Form):
    body = forms.CharField(label="Your reply", max_length=20000, widget=forms.Textarea(attrs={"rows": 6}))


class PortalFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False, choices=[("", "Open tickets"), ("all", "All tickets")] + list(Status.choices)
    )


class AgentReplyForm(forms.Form):
    body = forms.CharField(label="Message", max_length=20000, widget=forms.Textarea(attrs={"rows": 6, "cols": 80}))
    visibility = forms.ChoiceField(
        choices=[("public", "Public reply (emailed to the requester)"), ("internal", "Internal note (agents only)")],
        widget=forms.RadioSelect,
        initial="public",
    )
    status = forms.ChoiceField(
        required=False,
        label="Then set status",
        choices=[("", "By the rules (a reply to a new or open ticket sets pending)")] + list(Status.choices),
    )


class PropertiesForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)
    priority = forms.ChoiceField(choices=Priority.choices)
    assignee = forms.ModelChoiceField(queryset=None, required=False, empty_label="Unassigned")
    tags = forms.CharField(required=False, help_text="Comma-separated, e.g. whatsapp, billing.")

    def __init__(self, *args, **kwargs):
        from django.contrib.auth import get_user_model

        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = (
            get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username")
        )

    def clean_tags(self):
        return [name.strip() for name in self.cleaned_data["tags"].split(",") if name.strip()]
