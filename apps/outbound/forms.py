from django import forms

from apps.core import contacts
from apps.core.admin_actions import ReasonForm
from apps.outbound.models import Channel, Kind, Status


class MessageFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", "All statuses")] + list(Status.choices))
    channel = forms.ChoiceField(required=False, choices=[("", "All channels")] + list(Channel.choices))
    contact = forms.CharField(required=False, max_length=128, label="Contact")

    def clean_contact(self) -> list[str]:
        """The stored forms of the contact typed, on any channel ([] when none was typed)."""
        typed = self.cleaned_data["contact"].strip()
        return contacts.forms_of(typed) if typed else []


class NewMessageForm(forms.Form):
    channel = forms.ChoiceField(choices=Channel.choices)
    to = forms.CharField(max_length=128, label="To", help_text="Phone number in international format, or a chat id.")
    contact_name = forms.CharField(max_length=255, required=False, label="Contact name")
    kind = forms.ChoiceField(choices=Kind.choices, initial=Kind.TRANSACTIONAL)
    body = forms.CharField(max_length=4096, label="Message", widget=forms.Textarea(attrs={"rows": 5}))

    def clean(self):
        data = super().clean()
        if data.get("channel") and data.get("to"):
            try:
                data["to"] = contacts.canonical(data["channel"], data["to"])
            except contacts.InvalidContact as exc:
                self.add_error("to", str(exc))
        return data


class PolicyFilterForm(forms.Form):
    opted_out = forms.ChoiceField(
        required=False, label="Show", choices=[("", "All contacts"), ("yes", "Opted out"), ("no", "Not opted out")]
    )
    contact = forms.CharField(required=False, max_length=128, label="Contact")

    def clean_contact(self) -> str:
        return contacts.search_term(self.cleaned_data["contact"])


class PolicySettingsForm(forms.Form):
    stop_on_reply = forms.BooleanField(required=False, label="Stop new messages when the contact replies")
    frequency_cap = forms.IntegerField(
        required=False, min_value=0, label="Messages per window", help_text="Empty: your account's default."
    )
    frequency_window_h = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=24 * 90,
        label="Window (hours)",
        help_text="Empty: your account's default.",
    )


class OptOutForm(forms.Form):
    note = forms.CharField(max_length=500, label="Why", help_text="E.g. the contact asked by phone.")


class OptInForm(ReasonForm):
    """Opting back in is explicit: the person confirms the contact asked for it and says how."""

    contact_asked = forms.BooleanField(
        label="The contact asked to receive messages from us again.",
        error_messages={"required": "Tick the box to confirm the contact asked for this."},
    )
    requeue_blocked = forms.BooleanField(required=False, label="Also send the messages the opt-out blocked")

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say how the contact asked (it goes into the audit log).")
        return reason
