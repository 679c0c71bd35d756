"""What the Jobs page and the jobs API show: every job's latest run and schedule, the runs waiting
or running, each knowledge project's sync and embedding state, the backlogs, and the evidence a
failed run's runbook asks for.

Read-only, and a way in (it reads the knowledge app, which sits beside jobs and may import it,
never the other way round)."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Min, Q
from django.utils import timezone

from apps.backups import display as backup_display
from apps.core import zones
from apps.integrations.queries import backlog as inbox_backlog
from apps.jobs import registry, scheduler, services
from apps.jobs.models import WorkerRun
from apps.knowledge.models import ChatwootMessage, Chunk, Project, ProjectSource
from apps.outbound.models import OutboundMessage
from apps.outbound.models.messages import Status as OutboundStatus

SYNC_JOB = "knowledge.sync_chatwoot"
EMBED_JOB = "knowledge.embed_chunks"
RECENT_RUNS = 500
PENDING_RUNS = (WorkerRun.Status.QUEUED, WorkerRun.Status.RUNNING)
CHUNK = Chunk.EmbeddingStatus


@dataclass
class ProjectRow:
    project: Project
    messages: int
    pending: int
    ready: int
    failed: int
    sources: list = field(default_factory=list)
    last_sync: WorkerRun | None = None
    last_embed: WorkerRun | None = None

    @property
    def nothing_ready(self) -> bool:
        """`ready = 0` is what leaves search empty (runbook "search returns nothing")."""
        return self.ready == 0

    @property
    def failing_sources(self) -> list:
        return [source for source in self.sources if source.consecutive_failures]


def job_rows(now=None) -> list[dict]:
    """The schedule of every job (scheduler.schedule) with its latest run object beside it."""
    latest = services.last_runs()
    return [
        {**row, "run": latest.get(row["name"]), "last_error_line": (row["last_error"] or "\n").splitlines()[0]}
        for row in scheduler.schedule(now)
    ]


def pending_runs(limit=50) -> list[WorkerRun]:
    return list(WorkerRun.objects.filter(status__in=PENDING_RUNS).order_by("started_at")[:limit])


def project_rows() -> list[ProjectRow]:
    projects = list(Project.objects.select_related("tenant").order_by("tenant__name", "name"))
    ids = [project.pk for project in projects]
    messages = _count_by_project(ChatwootMessage.objects.filter(project_id__in=ids))
    chunks = _chunk_counts(ids)
    sources = _sources_by_project(ids)
    syncs, embeds = last_runs_by_project(SYNC_JOB, ids), last_runs_by_project(EMBED_JOB, ids)
    return [
        ProjectRow(
            project=project,
            messages=messages.get(project.pk, 0),
            sources=sources.get(project.pk, []),
            last_sync=syncs.get(project.pk),
            last_embed=embeds.get(project.pk),
            **chunks.get(project.pk, {"pending": 0, "ready": 0, "failed": 0}),
        )
        for project in projects
    ]


def _count_by_project(queryset) -> dict:
    return dict(queryset.values_list("project_id").annotate(n=Count("id")).values_list("project_id", "n"))


def _chunk_counts(project_ids) -> dict:
    rows = (
        Chunk.objects.filter(project_id__in=project_ids)
        .values("project_id")
        .annotate(
            pending=Count("id", filter=Q(embedding_status=CHUNK.PENDING)),
            ready=Count("id", filter=Q(embedding_status=CHUNK.READY)),
            failed=Count("id", filter=Q(embedding_status=CHUNK.FAILED)),
        )
        .order_by()
    )
    return {row.pop("project_id"): row for row in rows}


def _sources_by_project(project_ids) -> dict:
    found = {}
    for source in ProjectSource.objects.filter(project_id__in=project_ids).select_related("connection"):
        found.setdefault(source.project_id, []).append(source)
    return found


def last_runs_by_project(name, project_ids, recent=RECENT_RUNS) -> dict:
    """The latest run of a job covering each project, read from the job's `recent` latest runs in
    one query; a project none of them covered is looked up on its own."""
    found, wanted = {}, set(project_ids)
    runs = list(WorkerRun.objects.filter(name=name).order_by("-started_at", "-id")[:recent])
    for run in runs:
        named = (run.params or {}).get("project_id")
        for project_id in wanted if named is None else {named} & wanted:
            found.setdefault(project_id, run)
    if len(runs) == recent:
        for project_id in wanted - set(found):
            found[project_id] = last_run_for_project(name, project_id)
    return found


def last_run_for_project(name, project_id):
    """The latest run of a job that covered the project: one for it, or one for every project."""
    for_project = Q(params__project_id=project_id) | ~Q(params__has_key="project_id") | Q(params__project_id=None)
    return WorkerRun.objects.filter(name=name).filter(for_project).order_by("-started_at", "-id").first()


def backups(now=None) -> dict:
    """The last backup and restore drill, good or not, and the backup_freshness verdict (apps.backups)."""
    return backup_display.summary(now)


def backlogs(now=None) -> dict:
    now = now or timezone.now()
    return {
        "inbox": inbox_backlog(now),
        "outbound": outbound_backlog(now),
        "embeddings": embedding_backlog(now),
        "sync": sync_backlog(now),
    }


def outbound_backlog(now) -> dict:
    queued = OutboundMessage.objects.filter(status=OutboundStatus.QUEUED)
    due = queued.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    oldest = queued.aggregate(oldest=Min("queued_at"))["oldest"]
    return {
        "queued": queued.count(),
        "due": due.count(),
        "sending": OutboundMessage.objects.filter(status=OutboundStatus.SENDING).count(),
        "oldest_queued_age_seconds": _age(now, oldest),
    }


def embedding_backlog(now) -> dict:
    pending = Chunk.objects.filter(embedding_status=CHUNK.PENDING)
    oldest = pending.aggregate(oldest=Min("created_at"))["oldest"]
    return {
        "pending": pending.count(),
        "failed": Chunk.objects.filter(embedding_status=CHUNK.FAILED).count(),
        "ready": Chunk.objects.filter(embedding_status=CHUNK.READY).count(),
        "oldest_pending_age_seconds": _age(now, oldest),
        "runs_waiting": WorkerRun.objects.filter(name=EMBED_JOB, status__in=PENDING_RUNS).count(),
    }


def sync_backlog(now) -> dict:
    """Active sources never synced or not synced within one schedule interval (due), and sources
    whose last runs failed (failing, with the count of failures in a row)."""
    active = ProjectSource.objects.filter(is_active=True)
    interval = _sync_interval()
    stale = Q(last_sync_at__isnull=True) | (Q(last_sync_at__lt=now - interval) if interval else Q(pk__in=[]))
    return {
        "sources_active": active.count(),
        "sources_due": active.filter(stale).count(),
        "sources_failing": active.filter(consecutive_failures__gt=0).count(),
        "sources_failing_3_in_a_row": active.filter(consecutive_failures__gte=3).count(),
        "runs_waiting": WorkerRun.objects.filter(name=SYNC_JOB, status__in=PENDING_RUNS).count(),
    }


def _sync_interval() -> timedelta | None:
    try:
        return registry.get(SYNC_JOB).every
    except KeyError:
        return None


def _age(now, moment):
    return round((now - moment).total_seconds(), 1) if moment else None


def evidence(run) -> str:
    """The runbooks' evidence for a run in one paste: job, error, project, batch size, message and
    chunk counts (of the run's project, or of every project for a run over all of them)."""
    project = _run_project(run)
    lines = [
        f"job: {run.name} (run #{run.pk}, {run.get_status_display().lower()}, trigger {run.trigger})",
        f"started: {zones.when(run.started_at, 's')}; duration: {_duration(run)}",
        f"error: {run.error.strip() or '-'}",
        f"project: {_project_label(run, project)}",
        f"batch size: {_batch_size(run)}",
        _material_line(project),
        f"params: {_pairs(run.params)}",
        f"counts: {_pairs(run.counts)}",
    ]
    return "\n".join(lines)


def _run_project(run):
    project_id = (run.params or {}).get("project_id") or (run.counts or {}).get("project_id")
    if not str(project_id or "").isdigit():
        return None
    return Project.objects.select_related("tenant").filter(pk=int(project_id)).first()


def _project_label(run, project):
    if project is not None:
        return f"{project.pk} {project.name} (tenant {project.tenant.slug})"
    named = (run.params or {}).get("project_id")
    return f"{named} (not found)" if named else "all projects"


def _material_line(project) -> str:
    messages = ChatwootMessage.objects.all()
    chunks = Chunk.objects.all()
    if project is not None:
        messages, chunks = messages.filter(project=project), chunks.filter(project=project)
    counts = dict(chunks.values_list("embedding_status").annotate(n=Count("id")).values_list("embedding_status", "n"))
    per_status = ", ".join(f"{status} {counts.get(status, 0)}" for status in CHUNK.values)
    return f"messages: {messages.count()}; chunks: {per_status}"


def _batch_size(run) -> str:
    """The size the run ended with (the embed job halves it on 413/429/timeouts) and the one asked for."""
    used, asked = (run.counts or {}).get("batch_size"), (run.params or {}).get("batch_size")
    if used is None and asked is None:
        return "-"
    if asked is None or used in (None, asked):
        return str(asked if used is None else used)
    return f"{used} (asked {asked})"


def _duration(run):
    return "-" if run.duration_ms is None else f"{run.duration_ms} ms"


def _pairs(values) -> str:
    return ", ".join(f"{key}={value}" for key, value in sorted((values or {}).items())) or "-"
