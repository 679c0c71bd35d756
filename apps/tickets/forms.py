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


class ReportWindowForm(forms.Form):
    """`?start=YYYY-MM-DD&end=YYYY-MM-DD`: the days a ticket report covers, both included (the SLA
    review of an incident links its window)."""

    MAX_DAYS = 366
    YEARS = range(2000, 2100)
    start = forms.DateField(
        input_formats=["%Y-%m-%d"],
        error_messages={
            "required": "Give the report's start day as well as its end (YYYY-MM-DD).",
            "invalid": "The report's start day must be a date written YYYY-MM-DD.",
        },
    )
    end = forms.DateField(
        input_formats=["%Y-%m-%d"],
        error_messages={
            "required": "Give the report's end day as well as its start (YYYY-MM-DD).",
            "invalid": "The report's end day must be a date written YYYY-MM-DD.",
        },
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        for day in (start, end):
            if day and day.year not in self.YEARS:
                raise forms.ValidationError(f"The report's days must fall in the years 2000 to 2099, not {day}.")
        if start and end and end < start:
            raise forms.ValidationError(f"The report's end day {end} comes before its start day {start}.")
        if start and end and (end - start).days >= self.MAX_DAYS:
            raise forms.ValidationError(f"A report covers at most {self.MAX_DAYS} days; {start} to {end} is longer.")
        return data

    def problem(self) -> str:
        """Every error in one sentence-per-error line, for a message on the page."""
        return " ".join(dict.fromkeys(error for errors in self.errors.values() for error in errors))
