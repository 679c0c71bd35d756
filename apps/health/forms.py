from django import forms


class HeartbeatForm(forms.Form):
    """Period and grace in minutes: what a person scheduling a job thinks in."""

    name = forms.CharField(max_length=100)
    period_minutes = forms.IntegerField(label="Period (minutes)", min_value=1, max_value=44640, initial=60)
    grace_minutes = forms.IntegerField(label="Grace time (minutes)", min_value=1, max_value=44640, initial=10)
