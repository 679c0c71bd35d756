from django import forms

from apps.knowledge import search


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search the project's conversations",
        max_length=search.MAX_QUERY_CHARS,
        strip=True,
        error_messages={
            "required": "Type what you are looking for.",
            "max_length": f"Keep the query under {search.MAX_QUERY_CHARS} characters.",
        },
    )


class PickProjectForm(forms.Form):
    project = forms.SlugField(error_messages={"required": "Pick a project."})
