"""The draft settings form, shared by the portal's source page and the admin."""

from django import forms

from apps.drafts.models import DraftSettings, Tone

INBOX_HELP = "Chatwoot inbox ids, separated by commas or spaces. Empty: every inbox the source reads."


def inbox_list(text) -> list[int]:
    words = str(text or "").replace(",", " ").split()
    if not all(word.isdigit() for word in words):
        raise forms.ValidationError("Inbox ids are whole numbers, e.g. 1, 4.")
    return sorted({int(word) for word in words})


class DraftSettingsFields(forms.Form):
    enabled = forms.BooleanField(label="Write AI drafts for this source", required=False)
    inbox_text = forms.CharField(label="Inboxes", required=False, help_text=INBOX_HELP)
    system_prompt = forms.CharField(
        label="Instructions to the AI (system prompt)", widget=forms.Textarea(attrs={"rows": 5}), max_length=4000
    )
    tone = forms.ChoiceField(choices=Tone.choices)
    min_score = forms.DecimalField(
        label="Minimum search score",
        min_value=0,
        max_value=1,
        decimal_places=2,
        help_text="From 0 to 1. A conversation found below this score is not used as evidence.",
    )
    min_hits = forms.IntegerField(
        label="Minimum conversations found",
        min_value=1,
        max_value=5,
        help_text="Below this many conversations at the score, no draft is written (recorded as no knowledge).",
    )

    def clean_inbox_text(self):
        return inbox_list(self.cleaned_data["inbox_text"])

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["inbox_ids"] = data.pop("inbox_text")
        return data

    @staticmethod
    def initial_of(row: DraftSettings) -> dict:
        fields = {name: getattr(row, name) for name in ("enabled", "system_prompt", "tone", "min_score", "min_hits")}
        return {**fields, "inbox_text": ", ".join(map(str, row.inbox_ids))}
