from django import forms

from apps.tenants.services import MANUAL_NOTICE_MAX


class NoticeForm(forms.Form):
    notice = forms.CharField(
        label="Notice text",
        required=False,
        max_length=MANUAL_NOTICE_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Sent once per conversation while manual mode is on. Empty: the standard notice.",
    )
    fallback_email = forms.EmailField(
        label="Fallback e-mail address",
        required=False,
        help_text="Named in the notice, for customers who would rather write an e-mail.",
    )
