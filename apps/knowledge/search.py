"""Hybrid search over one project's chunks: exact cosine similarity against every ready vector of
the project, fused by weighted reciprocal rank fusion with PostgreSQL full-text ranking
(apps/knowledge/lexical.py), one result per conversation, and an honest "no answer".

Whether anything answers is decided from similarity, never from the fused rank (a rank says
nothing about relevance): the best conversation's cosine passes `ANSWER_SCORE`; or it passes
`NEAR_SCORE` while standing `ANSWER_MARGIN` above the next conversation; or one of the top
conversations holds at least `WORDS_SHARE` of the query's words (stemmed in its language: a
keyword query such as an insurer's name scores low on cosine but is plainly answered). The
thresholds are calibrated on the evaluation set (bench/data/knowledge_eval.json;
`bench/knowledge_bench.py --only eval`) for the default embedder; figures are in bench/RESULTS.md.
When nothing passes, the answer has no results.

Scoring is exact for projects of up to BIG_PROJECT vectors. Past that, scanning 512 floats per
chunk is memory-bound (~60 ms at 100,000 chunks here), so a first pass over the vectors projected
on their REDUCED_DIMS principal directions picks COARSE_CANDIDATES rows, which are then scored
exactly; on real embeddings that first pass kept 99.9 % of the exact top 50 (bench/RESULTS.md).

Every row read is the project's own: vectors come from `vectors.load_project(project.id)` and
chunks are fetched by id *and* project. A process keeps the matrices of a few projects in memory,
keyed by project and checked against the project's ready-chunk count and newest embedding before
each query, so a re-embedded or deleted chunk is never served from a stale matrix."""

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import NamedTuple

import numpy as np
from django.db.models import Count, Max

from apps.core.errors import ServiceError
from apps.knowledge import languages, lexical, vectors
from apps.knowledge.embeddings import EmbeddingError
from apps.knowledge.models import Chunk

MAX_QUERY_CHARS = 500
MAX_LIMIT = 20
CANDIDATES = 50
RRF_K = 60
LEXICAL_WEIGHT = 0.15
ANSWER_SCORE = 0.28
NEAR_SCORE = 0.22
ANSWER_MARGIN = 0.10
WORDS_SHARE = 0.6
WORDS_CHECKED = 3  # top conversations whose share of the query's words is measured
SCORE_CEILING = 0.6  # the default model's cosine for a close paraphrase: shown as score 1
CACHED_PROJECTS = 4
BIG_PROJECT = 20_000
RECHECK_SECONDS = 5.0
REDUCED_DIMS = 128
COARSE_CANDIDATES = 2500
READY = Chunk.EmbeddingStatus.READY


class SearchError(ServiceError):
    """A query search refuses (empty, too long, bad limit): a 400 saying what is wrong."""


class SearchUnavailable(ServiceError):
    """The embedder could not embed the query (its provider down, the model missing): a 503, since
    the same query may work once the provider is back."""

    status_code = 503


@dataclass(frozen=True)
class Hit:
    conversation_id: int
    message_ids: list = field(hash=False)
    text: str
    score: float
    url: str

    def as_json(self) -> dict:
        return {
            "conversation_id": self.conversation_id,
            "message_ids": list(self.message_ids),
            "text": self.text,
            "score": self.score,
            "url": self.url,
        }


@dataclass(frozen=True)
class SearchAnswer:
    project: str
    answerable: bool
    results: list = field(hash=False)

    def as_json(self) -> dict:
        return {"project": self.project, "answerable": self.answerable, "results": [h.as_json() for h in self.results]}


@dataclass(frozen=True)
class Ranked:
    """One conversation's best chunk after fusion, before it becomes a Hit."""

    chunk_id: int
    conversation_id: int
    fused: float
    cosine: float
    words: float = 0.0  # share of the query's words in the chunk (top WORDS_CHECKED only)


def clean_query(query) -> str:
    """The query with its whitespace collapsed; SearchError for an empty or oversized one."""
    text = " ".join(str(query or "").split())
    if not text:
        raise SearchError("Type what you are looking for: the query is empty.", code="empty_query")
    if len(text) > MAX_QUERY_CHARS:
        raise SearchError(
            f"The query is {len(text)} characters long; search takes at most {MAX_QUERY_CHARS}.", code="query_too_long"
        )
    return text


def clean_limit(limit) -> int:
    """`limit` as an int from 1 to MAX_LIMIT; SearchError otherwise."""
    try:
        value = int(limit)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= MAX_LIMIT or str(limit).strip() not in (str(value), f"{value}.0"):
        raise SearchError(f"limit must be a whole number from 1 to {MAX_LIMIT}; got {limit!r}.", code="bad_limit")
    return value


def search(project, query, *, limit=5, public_only=False, lexical_weight=None) -> SearchAnswer:
    """The conversations of `project` that answer `query`, best first, one hit per conversation.

    `public_only` leaves out chunks holding private notes (for text a customer will see);
    `lexical_weight` overrides the fusion weight (the benchmark compares vector-only with 0)."""
    query, limit = clean_query(query), clean_limit(limit)
    weight = LEXICAL_WEIGHT if lexical_weight is None else lexical_weight
    try:
        ranked = rank(project, query, weight=weight, public_only=public_only)
    except EmbeddingError as exc:
        raise SearchUnavailable(
            f"Search cannot read the query right now: the embeddings provider failed ({exc}).", code="unavailable"
        ) from exc
    if not answerable(ranked):
        return SearchAnswer(project=project.slug, answerable=False, results=[])
    return SearchAnswer(project=project.slug, answerable=True, results=hits(project, shown(ranked, limit)))


def shown(ranked: list[Ranked], limit: int) -> list[Ranked]:
    """The answer's hits: the best conversation, then those of the next `limit - 1` that are
    relevant on their own (cosine at NEAR_SCORE, or WORDS_SHARE of the query's words), so an
    answer does not trail four unrelated conversations."""
    top = ranked[:limit]
    return top[:1] + [r for r in top[1:] if r.cosine >= NEAR_SCORE or r.words >= WORDS_SHARE]


def rank(project, query, *, weight=LEXICAL_WEIGHT, public_only=False) -> list[Ranked]:
    """Every candidate conversation, best fused first (used by search and by the benchmark)."""
    ids, cosines, ready = vector_candidates(project, query)
    among = None if ready <= lexical.SCAN_LIMIT else ids.tolist()
    language = languages.detect(query)
    lexical_ids = lexical.rank(project.id, query, language, limit=CANDIDATES, among=among) if weight else []
    fused = fuse(ids, lexical_ids, weight)
    chunks = candidate_chunks(project, fused, public_only)
    ranked = group(fused, chunks, dict(zip(ids.tolist(), cosines.tolist(), strict=True)))
    return with_word_shares(project, query, ranked)


def with_word_shares(project, query, ranked: list[Ranked]) -> list[Ranked]:
    top = ranked[:WORDS_CHECKED]
    shares = lexical.coverage(project.id, query, [r.chunk_id for r in top])
    return [replace(r, words=shares.get(r.chunk_id, 0.0)) for r in top] + ranked[WORDS_CHECKED:]


def features(ranked: list[Ranked]) -> tuple[float, float, float]:
    """(best cosine, second best cosine, best share of the query's words) of a ranking."""
    cosines = sorted((r.cosine for r in ranked), reverse=True) + [0.0, 0.0]
    return cosines[0], cosines[1], max((r.words for r in ranked), default=0.0)


def answerable(ranked: list[Ranked], thresholds=None) -> bool:
    return bool(ranked) and decide(*features(ranked), thresholds)


def decide(best: float, second: float, share: float, thresholds=None) -> bool:
    """Whether a ranking with these features holds an answer; `thresholds` (answer, near, margin,
    words) overrides the calibrated ones (the benchmark's calibration tries many)."""
    answer, near, margin, words = thresholds or (ANSWER_SCORE, NEAR_SCORE, ANSWER_MARGIN, WORDS_SHARE)
    return best >= answer or (best >= near and best - second >= margin) or share >= words


def vector_candidates(project, query) -> tuple[np.ndarray, np.ndarray, int]:
    """(chunk ids, cosines) of the CANDIDATES chunks nearest to the query, nearest first, and how
    many vectors the project has."""
    cached, model = project_matrix(project)
    if not len(cached.ids):
        return cached.ids, np.empty(0, dtype=np.float32), 0
    vector = query_vector(model, query)
    rows = coarse_rows(cached, vector)
    scores = cached.matrix[rows] @ vector if rows is not None else cached.matrix @ vector
    top = nearest(scores, CANDIDATES)
    chosen = rows[top] if rows is not None else top
    return cached.ids[chosen], scores[top], len(cached.ids)


def nearest(scores, count) -> np.ndarray:
    """Positions of the `count` highest scores, highest first."""
    top = np.argpartition(-scores, count)[:count] if len(scores) > count else np.arange(len(scores))
    return top[np.argsort(-scores[top], kind="stable")]


def coarse_rows(cached, vector):
    """For a big project, the rows a first pass over the reduced matrix finds nearest (None for a
    small project, scored exactly in full): scanning 512 floats per chunk is memory-bound, ~60 ms
    at 100,000 chunks on a small machine, the reduced one a quarter of that."""
    if cached.reduced is None:
        return None
    return np.sort(nearest(cached.reduced @ (vector @ cached.basis), COARSE_CANDIDATES))


def reduce(matrix):
    """(basis, reduced matrix): the REDUCED_DIMS principal directions of the project's vectors and
    every vector projected on them; (None, None) for a project of up to BIG_PROJECT vectors."""
    if len(matrix) <= BIG_PROJECT or matrix.shape[1] <= REDUCED_DIMS:
        return None, None
    _, eigenvectors = np.linalg.eigh(matrix.T @ matrix)
    basis = np.ascontiguousarray(eigenvectors[:, ::-1][:, :REDUCED_DIMS], dtype=np.float32)
    return basis, np.ascontiguousarray(matrix @ basis)


def fuse(vector_ids, lexical_ids, weight) -> dict[int, float]:
    """Weighted reciprocal rank fusion: chunk id → 1/(k+rank) + weight/(k+lexical rank)."""
    fused = {int(chunk_id): 1.0 / (RRF_K + position) for position, chunk_id in enumerate(vector_ids, 1)}
    for position, chunk_id in enumerate(lexical_ids, 1):
        fused[chunk_id] = fused.get(chunk_id, 0.0) + weight / (RRF_K + position)
    return fused


def candidate_chunks(project, fused, public_only) -> dict[int, tuple]:
    """chunk id → (conversation id, has_private) for the fused candidates, read through the project."""
    rows = Chunk.objects.filter(project=project, pk__in=list(fused))
    if public_only:
        rows = rows.filter(has_private=False)
    return {
        pk: (conversation, private)
        for pk, conversation, private in rows.values_list("pk", "conversation_id", "has_private")
    }


def group(fused, chunks, cosines) -> list[Ranked]:
    """One Ranked per conversation (its best fused chunk; its best cosine), best first."""
    best: dict[int, Ranked] = {}
    for chunk_id, score in sorted(fused.items(), key=lambda item: (-item[1], item[0])):
        if chunk_id not in chunks:
            continue
        conversation = chunks[chunk_id][0]
        cosine = cosines.get(chunk_id, 0.0)
        known = best.get(conversation)
        if known is None:
            best[conversation] = Ranked(chunk_id, conversation, score, cosine)
        elif cosine > known.cosine:
            best[conversation] = Ranked(known.chunk_id, conversation, known.fused, cosine)
    return list(best.values())


def hits(project, ranked: list[Ranked]) -> list[Hit]:
    chunks = Chunk.objects.filter(project=project, pk__in=[r.chunk_id for r in ranked]).select_related(
        "source__connection"
    )
    by_id = {chunk.pk: chunk for chunk in chunks}
    return [
        Hit(
            conversation_id=r.conversation_id,
            message_ids=list(by_id[r.chunk_id].message_ids),
            text=by_id[r.chunk_id].text,
            score=shown_score(r.cosine),
            url=conversation_url(by_id[r.chunk_id].source.connection, r.conversation_id),
        )
        for r in ranked
        if r.chunk_id in by_id
    ]


def shown_score(cosine: float) -> float:
    """The cosine on a 0..1 scale where SCORE_CEILING (a close paraphrase) is 1, rounded for people."""
    return round(min(1.0, max(0.0, cosine / SCORE_CEILING)), 3)


def conversation_url(connection, conversation_id) -> str:
    """The conversation's page in Chatwoot: <base_url>/app/accounts/<account_id>/conversations/<id>."""
    base = str(connection.setting("base_url") or "").rstrip("/")
    account = connection.setting("account_id")
    return f"{base}/app/accounts/{account}/conversations/{conversation_id}"


# --- the per-process cache of project matrices and query vectors --------------------------------

_matrices: OrderedDict = OrderedDict()
_lock = threading.Lock()


def embedder():
    from apps.knowledge.embeddings import get_embedder

    return get_embedder()


def project_matrix(project) -> tuple["Cached", str]:
    """(chunk ids, unit vectors, model) of the project's ready chunks, from the cache when the
    project's ready count and newest embedding are what they were when it was loaded. Counting a
    big project's ready chunks takes ~20 ms, so past BIG_PROJECT vectors that check runs at most
    every RECHECK_SECONDS (a chunk embedded meanwhile shows up that much later)."""
    model = embedder().model
    key = (project.tenant_id, project.pk, model)
    with _lock:
        cached = _matrices.get(key)
    if cached is not None and len(cached.ids) > BIG_PROJECT and time.monotonic() - cached.checked < RECHECK_SECONDS:
        return cached, model
    signature = ready_signature(project)
    if cached is not None and cached.signature == signature:
        cached = cached._replace(checked=time.monotonic())
        with _lock:
            _matrices[key] = cached
            _matrices.move_to_end(key)
        return cached, model
    ids, matrix = vectors.load_project(project.pk, model=model)
    cached = Cached(signature, ids, matrix, time.monotonic(), *reduce(matrix))
    with _lock:
        _matrices[key] = cached
        while len(_matrices) > CACHED_PROJECTS:
            _matrices.popitem(last=False)
    return cached, model


class Cached(NamedTuple):
    signature: tuple
    ids: np.ndarray
    matrix: np.ndarray
    checked: float
    basis: np.ndarray | None = None
    reduced: np.ndarray | None = None


def ready_signature(project) -> tuple:
    ready = Chunk.objects.filter(project_id=project.pk, embedding_status=READY)
    summary = ready.aggregate(count=Count("*"), newest=Max("embedded_at"))
    return summary["count"], summary["newest"]


@lru_cache(maxsize=512)
def query_vector(model: str, query: str) -> np.ndarray:
    """The query's unit vector; repeated queries (the same question asked again) skip the model."""
    vector = embedder().embed_query(query)
    vector = np.asarray(vector, dtype=np.float32)
    vector.setflags(write=False)
    return vector


def forget_cache() -> None:
    with _lock:
        _matrices.clear()
    query_vector.cache_clear()
