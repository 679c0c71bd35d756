"""The Jobs page (/admin/jobs/): the runbooks' checks for jobs, sync and embeddings on one page, and
its buttons (run the Chatwoot sync, run embeddings, scheduler tick). Staff-only (wrapped in
`admin.site.admin_view`); reading needs jobs.view_workerrun, every button jobs.change_workerrun,
asks for confirmation on a page of its own and queues the work through Celery (services.enqueue,
services.request_tick), audited."""

from dataclasses import dataclass

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from apps.core.errors import ServiceError
from apps.jobs import admin_forms, admin_status, services
from apps.jobs.admin_status import EMBED_JOB, SYNC_JOB
from apps.jobs.models import WorkerRun

VIEW, RUN = "jobs.view_workerrun", "jobs.change_workerrun"


@dataclass(frozen=True)
class Operation:
    title: str
    form: type
    job: str = ""  # empty: the scheduler tick

    def perform(self, request, form) -> str:
        reason = form.cleaned_data.get("reason", "")
        if not self.job:
            services.request_tick(request=request, reason=reason)
            return "Scheduler tick queued: a worker runs every due job; their runs appear below."
        run = services.enqueue(self.job, trigger="page", params=form.params(), request=request, reason=reason)
        return f"{self.title}: queued as run #{run.pk} ({run.get_status_display().lower()})."


OPERATIONS = {
    "sync": Operation("Run the Chatwoot sync", admin_forms.SyncForm, SYNC_JOB),
    "embed": Operation("Run embeddings", admin_forms.EmbedForm, EMBED_JOB),
    "tick": Operation("Scheduler tick", admin_forms.TickForm),
    "backup": Operation("Run a backup now", admin_forms.TickForm, "backups.backup"),
    "drill": Operation("Run a restore drill now", admin_forms.TickForm, "backups.restore_drill"),
}


def require(request, permission):
    if not request.user.has_perm(permission):
        raise PermissionDenied


def page_url():
    return reverse("jobs-page")


def jobs_page(request):
    require(request, VIEW)
    rows = admin_status.job_rows()
    return TemplateResponse(
        request,
        "admin/jobs/page.html",
        {
            **admin.site.each_context(request),
            "title": "Jobs",
            "opts": WorkerRun._meta,
            "jobs": rows,
            "pending": admin_status.pending_runs(),
            "projects": admin_status.project_rows(),
            "backlogs": admin_status.backlogs(),
            "backups": admin_status.backups(),
            "failed": [(row["run"], admin_status.evidence(row["run"])) for row in rows if _failed(row["run"])],
            "can_run": request.user.has_perm(RUN),
            "sync_form": admin_forms.SyncForm(),
            "embed_form": admin_forms.EmbedForm(),
        },
    )


def _failed(run):
    return run is not None and run.status == WorkerRun.Status.FAILED


def run_operation(request, operation):
    """GET: the confirmation page for the chosen options; POST with `confirm`: queue it."""
    require(request, RUN)
    chosen = OPERATIONS.get(operation)
    if chosen is None:
        raise Http404(f"No job operation {operation!r}.")
    form = chosen.form(request.POST if request.method == "POST" else request.GET)
    if form.is_valid() and request.method == "POST" and "confirm" in request.POST:
        return _perform(request, chosen, form)
    return TemplateResponse(
        request,
        "admin/jobs/confirm.html",
        {
            **admin.site.each_context(request),
            "title": f"{chosen.title}?",
            "operation": chosen,
            "form": form,
            "summary": _summary(form) if form.is_valid() else [],
        },
    )


def _perform(request, chosen, form):
    try:
        messages.success(request, chosen.perform(request, form))
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect(page_url())


def _summary(form) -> list[tuple[str, str]]:
    data, found = form.cleaned_data, []
    if "project" in data:
        project = data["project"]
        found.append(("Project", form.fields["project"].label_from_instance(project) if project else "All projects"))
    if "batch_size" in data:
        found.append(("Batch size", data["batch_size"] or "the default (EMBED_BATCH_SIZE)"))
    return found
