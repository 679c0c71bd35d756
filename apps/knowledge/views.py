"""The portal's knowledge pages: search the active project (/dashboard/search/) and the tenant's
projects, where a member picks the active one (kept in the session; every search is scoped to it).
Owners and admins also see each project's Chatwoot sources. Rows are reached through the tenant."""

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from apps.core.errors import ServiceError
from apps.knowledge import projects, search
from apps.knowledge.forms import PickProjectForm, SearchForm
from apps.knowledge.models import Chunk, ProjectSource
from apps.tenants.portal import role_required

READY, PENDING, FAILED = (Chunk.EmbeddingStatus.READY, Chunk.EmbeddingStatus.PENDING, Chunk.EmbeddingStatus.FAILED)


@require_http_methods(["GET"])
@role_required("knowledge.view")
def search_page(request):
    try:
        project = pick_from_query(request)
    except projects.ProjectNotFound as exc:
        context = {"missing": exc.message, "projects": projects.of_tenant(request.tenant), "form": SearchForm()}
        return render(request, "knowledge/search.html", context, status=404)
    form = SearchForm(request.GET if "q" in request.GET else None)
    answer, status = None, 200
    if project is not None and form.is_valid():
        try:
            answer = search.search(project, form.cleaned_data["q"])
        except ServiceError as exc:
            form.add_error("q", exc.message)
            status = exc.status_code
    context = {
        "form": form,
        "project": project,
        "projects": projects.of_tenant(request.tenant),
        "answer": answer,
        "chunks": chunk_counts(project) if project is not None else None,
    }
    return render(request, "knowledge/search.html", context, status=400 if form.errors and status == 200 else status)


def pick_from_query(request):
    """`?project=<slug>` switches the active project; a slug the tenant lacks is ProjectNotFound."""
    slug = request.GET.get("project")
    if slug:
        return projects.choose(request.session, request.tenant, slug)
    return projects.active(request.session, request.tenant)


@require_http_methods(["GET", "POST"])
@role_required("knowledge.view")
def project_list(request):
    form = PickProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = projects.choose(request.session, request.tenant, form.cleaned_data["project"])
        except ServiceError as exc:
            form.add_error("project", exc.message)
        else:
            messages.success(request, f"Searching {project.name} now.")
            return redirect("knowledge:search")
    active = projects.active(request.session, request.tenant)
    rows, show_sources = project_rows(request), "knowledge.sources" in request.may
    if show_sources:
        sources = sources_by_project(request)
        for project in rows:
            project.source_list = sources.get(project.pk, [])
    context = {"form": form, "active": active, "projects": rows, "show_sources": show_sources}
    return render(request, "knowledge/projects.html", context, status=400 if form.errors else 200)


def project_rows(request) -> list:
    """The tenant's projects, each with its ready and pending chunk counts."""
    rows = list(projects.of_tenant(request.tenant))
    counts = (
        Chunk.objects.for_tenant(request.tenant)
        .filter(project__in=rows)
        .values_list("project_id", "embedding_status")
        .annotate(n=Count("id"))
    )
    by_project = {(project_id, status): n for project_id, status, n in counts}
    for project in rows:
        project.ready = by_project.get((project.pk, READY), 0)
        project.pending = by_project.get((project.pk, PENDING), 0)
    return rows


def sources_by_project(request) -> dict:
    rows = ProjectSource.objects.for_tenant(request.tenant).select_related("connection").order_by("id")
    grouped: dict = {}
    for source in rows:
        grouped.setdefault(source.project_id, []).append(source)
    return grouped


def chunk_counts(project) -> dict:
    """Ready / pending / failed chunks: why a search may find nothing yet (the runbook's first check)."""
    chunks = Chunk.objects.for_tenant(project.tenant).filter(project=project)
    rows = chunks.values_list("embedding_status").annotate(n=Count("id"))
    counts = {READY: 0, PENDING: 0, FAILED: 0, **dict(rows)}
    return {"ready": counts[READY], "pending": counts[PENDING], "failed": counts[FAILED]}
