from django import forms


class SubscribeForm(forms.Form):
    email = forms.CharField(
        label="E-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "required": True}),
        help_text="We send one e-mail to confirm; nothing else until you do.",
    )
