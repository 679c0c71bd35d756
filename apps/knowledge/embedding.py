"""The embed job (`knowledge.embed_chunks`): pending chunks → vectors, in batches.

Each batch is claimed in one short transaction (`skip_locked`, a claim time other runs respect
until it is older than CLAIM_LEASE), embedded with no transaction open, and recorded in a second
transaction (vectors and status together; a chunk whose text changed meanwhile is left pending).

When the provider says the batch is too big — 413, a batch-size 400, a timeout, or 429 — the run
halves its batch size (down to 1) and goes on with it; a 429 waits out its Retry-After (up to
EMBEDDINGS_RETRY_AFTER_MAX_S, else the run stops and the next goes on). A chunk that fails keeps
the error and is retried by the next run; after EMBEDDINGS_MAX_FAILURES it is `failed`. Errors
that are not one chunk's (no key, wrong key, quota, the model or the server unavailable) stop
the run after the batch they hit. A run with errors emits EMBEDDINGS_FAILED per project; a run
that embedded nothing and failed raises, so its WorkerRun fails with the error and the counts.

A run a person asked for (manage.py run_job, the Jobs page, the jobs API) first puts failed chunks
back to pending: the runbook's "fix the key or lower the batch size, then retry"."""

import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from apps.events import emit
from apps.knowledge import vectors
from apps.knowledge.embeddings import EmbeddingError, get_embedder
from apps.knowledge.models import Chunk, Project

STATUS = Chunk.EmbeddingStatus
CLAIM_LEASE = timedelta(minutes=10)
STOPS_RUN = frozenset({"connection", "server_error", "not_configured", "unauthorized", "quota", "model_unavailable"})
ERROR_CHARS = 2000
MAX_RATE_LIMITS = 5
ASKED_BY_PEOPLE = frozenset({"manual", "api", "page"})
sleep = time.sleep


class EmbedRunFailed(Exception):
    """The run embedded nothing and hit an error; `counts` say how far it got."""

    def __init__(self, message, counts):
        super().__init__(message)
        self.counts = counts


@dataclass
class Progress:
    batch_size: int
    requested: int
    embedded: int = 0
    errors: int = 0
    requests: int = 0
    seconds: float = 0.0
    error: str = ""
    stopped: bool = False
    rate_limits: int = 0
    retried: int = 0
    tried: set = field(default_factory=set)
    failed_projects: set = field(default_factory=set)


def run(*, batch_size=None, project_id=None, trigger="schedule") -> dict:
    """Embeds pending chunks (of one project, or all) until none are left or an error stops the
    run; returns counts (batch size used, chunks pending/ready/failed, embedded, chunks/s, error)."""
    size = max(1, int(batch_size or settings.EMBED_BATCH_SIZE))
    progress, embedder = Progress(batch_size=size, requested=size), get_embedder()
    progress.retried = retry_failed(project_id) if trigger in ASKED_BY_PEOPLE else 0
    while not progress.stopped:
        chunks = claim(progress.batch_size, project_id, exclude=progress.tried)
        if not chunks:
            break
        embed_batch(embedder, chunks, progress)
    counts = summary(progress, embedder, project_id, trigger)
    announce(progress, counts)
    if progress.error and not progress.embedded:
        raise EmbedRunFailed(progress.error, counts)
    return counts


def claim(size, project_id=None, *, exclude=(), now=None) -> list[Chunk]:
    """Up to `size` pending chunks nobody holds, marked as held by this run."""
    now = now or timezone.now()
    free = Q(embedding_claimed_at__isnull=True) | Q(embedding_claimed_at__lt=now - CLAIM_LEASE)
    with transaction.atomic():
        due = Chunk.objects.select_for_update(skip_locked=True).filter(free, embedding_status=STATUS.PENDING)
        if project_id is not None:
            due = due.filter(project_id=project_id)
        chunks = list(due.exclude(pk__in=list(exclude)).order_by("id")[:size])
        Chunk.objects.filter(pk__in=[chunk.pk for chunk in chunks]).update(embedding_claimed_at=now)
    return chunks


def embed_batch(embedder, chunks, progress: Progress) -> None:
    progress.requests += 1
    try:
        matrix, seconds = timed(embedder, [chunk.text for chunk in chunks])
    except EmbeddingError as exc:
        handle_error(embedder, chunks, exc, progress)
        return
    progress.seconds += seconds
    progress.embedded += record(chunks, matrix, model=embedder.model)


def timed(embedder, texts):
    """The texts' vectors and the seconds embedding took (a model's one-time load not included)."""
    getattr(embedder, "load", lambda: None)()
    started = time.perf_counter()
    matrix = embedder.embed_passages(texts)
    return matrix, time.perf_counter() - started


def handle_error(embedder, chunks, exc: EmbeddingError, progress: Progress) -> None:
    if exc.shrinks_batch and (len(chunks) > 1 or exc.kind == "rate_limited"):
        release(chunks)
        shrink(exc, progress, len(chunks))
    elif exc.kind in ("bad_request", "invalid_response") and len(chunks) > 1:
        one_by_one(embedder, chunks, progress)
    else:
        fail(chunks, exc, progress)


def one_by_one(embedder, chunks, progress: Progress) -> None:
    """Embeds a rejected batch a chunk at a time, so only the chunk the provider refuses fails."""
    for position, chunk in enumerate(chunks):
        if progress.stopped:
            release(chunks[position:])
            return
        embed_batch(embedder, [chunk], progress)


def shrink(exc: EmbeddingError, progress: Progress, size: int) -> None:
    """Halves the run's batch size; a 429 also waits (or stops the run when asked to wait long)."""
    progress.batch_size = max(1, min(progress.batch_size, size) // 2)
    if exc.kind != "rate_limited":
        return
    progress.rate_limits += 1
    wait = 1.0 if exc.retry_after is None else exc.retry_after
    if wait > settings.EMBEDDINGS_RETRY_AFTER_MAX_S or progress.rate_limits > MAX_RATE_LIMITS:
        progress.error, progress.stopped = f"{exc} (Retry-After {wait:g} s): the next run goes on.", True
        return
    sleep(wait)


def record(chunks, matrix, *, model) -> int:
    """Stores the vectors of chunks whose text did not change while they were embedded, marks them
    ready; returns how many."""
    now = timezone.now()
    hashes = {chunk.pk: chunk.content_hash for chunk in chunks}
    with transaction.atomic():
        current = Chunk.objects.select_for_update().filter(pk__in=list(hashes), embedding_status=STATUS.PENDING)
        unchanged = {pk for pk, content_hash in current.values_list("pk", "content_hash") if hashes[pk] == content_hash}
        pairs = [(chunk, vector) for chunk, vector in zip(chunks, matrix, strict=True) if chunk.pk in unchanged]
        vectors.save(pairs, model=model)
        Chunk.objects.filter(pk__in=unchanged).update(
            embedding_status=STATUS.READY,
            embedding_error="",
            embedded_at=now,
            embedding_claimed_at=None,
            updated_at=now,
        )
    return len(pairs)


def release(chunks) -> None:
    Chunk.objects.filter(pk__in=[chunk.pk for chunk in chunks]).update(embedding_claimed_at=None)


def fail(chunks, exc: EmbeddingError, progress: Progress) -> None:
    """Counts a failed attempt on each chunk, keeping the error; the last allowed one marks it failed."""
    error = str(exc)[:ERROR_CHARS]
    ids = [chunk.pk for chunk in chunks]
    with transaction.atomic():
        Chunk.objects.filter(pk__in=ids).update(
            embedding_attempts=F("embedding_attempts") + 1,
            embedding_error=error,
            embedding_claimed_at=None,
            updated_at=timezone.now(),
        )
        exhausted = Q(embedding_attempts__gte=settings.EMBEDDINGS_MAX_FAILURES)
        Chunk.objects.filter(exhausted, pk__in=ids, embedding_status=STATUS.PENDING).update(
            embedding_status=STATUS.FAILED
        )
    progress.errors += len(chunks)
    progress.error = error
    progress.tried.update(ids)
    progress.failed_projects.update(chunk.project_id for chunk in chunks)
    progress.stopped = progress.stopped or exc.kind in STOPS_RUN


def status_counts(project_id=None) -> dict:
    """Chunks per embedding status: {"pending": n, "ready": n, "failed": n}."""
    chunks = Chunk.objects.all() if project_id is None else Chunk.objects.filter(project_id=project_id)
    counted = dict(chunks.values_list("embedding_status").annotate(n=Count("id")).values_list("embedding_status", "n"))
    return {status: counted.get(status, 0) for status in STATUS.values}


def summary(progress: Progress, embedder, project_id, trigger) -> dict:
    rate = progress.embedded / progress.seconds if progress.seconds else 0.0
    return {
        "provider": embedder.name,
        "model": embedder.model,
        "trigger": trigger,
        "project_id": project_id,
        "batch_size": progress.batch_size,
        "batch_size_requested": progress.requested,
        "embedded": progress.embedded,
        "errors": progress.errors,
        "requests": progress.requests,
        "retried_failed": progress.retried,
        "chunks_per_s": round(rate, 1),
        **status_counts(project_id),
        "error": progress.error,
    }


def announce(progress: Progress, counts: dict) -> None:
    """EMBEDDINGS_FAILED for each project whose chunks failed in this run, with the runbook's evidence."""
    for project in Project.objects.filter(pk__in=progress.failed_projects).select_related("tenant"):
        message = f"Embedding chunks of project {project.name} failed: {progress.error}"
        meta = {
            "project_id": project.pk,
            "project": project.name,
            **{key: counts[key] for key in ("provider", "model", "batch_size", "embedded", "errors", "error")},
            **status_counts(project.pk),
        }
        emit("EMBEDDINGS_FAILED", tenant=project.tenant, message=message, meta=meta, source="knowledge.embed_chunks")


def retry_failed(project_id=None) -> int:
    """Puts failed chunks (of one project, or all) back to pending with fresh attempts; returns how
    many. For operators after fixing the cause (a key, a quota)."""
    failed = Chunk.objects.filter(embedding_status=STATUS.FAILED)
    if project_id is not None:
        failed = failed.filter(project_id=project_id)
    return failed.update(
        embedding_status=STATUS.PENDING, embedding_attempts=0, embedding_claimed_at=None, updated_at=timezone.now()
    )


def reembed_other_models(project_id=None, *, model=None) -> int:
    """Puts ready chunks whose vector another model made (the provider or model changed) back to
    pending, so the next runs embed them with the current one; returns how many. Search reads only
    the current model's vectors meanwhile."""
    model = model or get_embedder().model
    ready = Chunk.objects.filter(embedding_status=STATUS.READY).exclude(vector__model=model)
    if project_id is not None:
        ready = ready.filter(project_id=project_id)
    return ready.update(embedding_status=STATUS.PENDING, embedding_attempts=0, updated_at=timezone.now())
