"""The staff search page (/admin/knowledge-search/): any tenant's project, searched exactly as the
tenant's portal and API search it (apps.knowledge.search), with the fused rank's inputs shown so
an operator following the runbook "search returns no results" sees why. Staff-only (wrapped in
`admin.site.admin_view`); needs knowledge.view_chunk. It reads only."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.template.response import TemplateResponse

from apps.core.errors import ServiceError
from apps.knowledge import search
from apps.knowledge.models import Chunk, Project

VIEW = "knowledge.view_chunk"


class StaffSearchForm(forms.Form):
    project = forms.ModelChoiceField(
        queryset=Project.objects.select_related("tenant").order_by("tenant__name", "name"),
        empty_label=None,
        help_text="Tenant — project.",
    )
    q = forms.CharField(label="Query", max_length=search.MAX_QUERY_CHARS)
    limit = forms.IntegerField(min_value=1, max_value=search.MAX_LIMIT, initial=5, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].label_from_instance = lambda p: f"{p.tenant.name} — {p.name} ({p.slug})"


def search_page(request):
    if not request.user.has_perm(VIEW):
        raise PermissionDenied
    form = StaffSearchForm(request.GET if "q" in request.GET else None, initial={"limit": 5})
    answer, project = None, None
    if form.is_valid():
        project = form.cleaned_data["project"]
        try:
            answer = search.search(project, form.cleaned_data["q"], limit=form.cleaned_data["limit"] or 5)
        except ServiceError as exc:
            form.add_error("q", exc.message)
    context = {
        **admin.site.each_context(request),
        "title": "Knowledge search",
        "opts": Project._meta,
        "form": form,
        "answer": answer,
        "project": project,
        "chunks": chunk_counts(project) if project else None,
        "thresholds": {"answer": search.ANSWER_SCORE, "near": search.NEAR_SCORE, "margin": search.ANSWER_MARGIN},
    }
    return TemplateResponse(request, "admin/knowledge/search.html", context, status=400 if form.errors else 200)


def chunk_counts(project) -> dict:
    rows = Chunk.objects.filter(project=project).values_list("embedding_status").annotate(n=Count("id"))
    return {"ready": 0, "pending": 0, "failed": 0, **dict(rows)}
