"""Where chunks' vectors live: packed float32 bytes in the narrow `ChunkVector` table.

The only module that reads or writes `ChunkVector`, so a pgvector column (or another store) can
replace it behind the same three functions. A project's vectors load in one query into one
float32 matrix; search then scores them all exactly with one matrix product."""

from collections.abc import Iterable

import numpy as np
import psycopg
from django.db import connection

from apps.knowledge.models import Chunk, ChunkVector

DTYPE = np.float32


def pack(vector) -> bytes:
    return np.asarray(vector, dtype=DTYPE).tobytes()


def unpack(data, dims: int) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype=DTYPE, count=dims)


def save(pairs: Iterable[tuple[Chunk, np.ndarray]], *, model: str | None = None) -> int:
    """Stores each chunk's vector (replacing an older one), labelled with the model that made it
    (default: the configured embedder's); returns how many were written. Call inside the
    transaction that marks the chunks ready."""
    model = model or _default_model()
    rows = [
        ChunkVector(chunk_id=chunk.pk, project_id=chunk.project_id, model=model, dims=len(vector), vector=pack(vector))
        for chunk, vector in pairs
    ]
    ChunkVector.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["chunk"], update_fields=["project_id", "model", "dims", "vector"]
    )
    return len(rows)


def discard(chunk_ids: Iterable[int]) -> int:
    """Forgets the vectors of chunks whose text changed; returns how many were deleted."""
    deleted, _ = ChunkVector.objects.filter(chunk_id__in=list(chunk_ids)).delete()
    return deleted


def load_project(project_id: int, *, model: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Every ready chunk's vector of one project: (chunk ids as int64, float32 matrix (n, dims)),
    row i being chunk ids[i] (in no particular order: sorting 200 MB of rows cost more than the
    read). With `model`, only vectors that model made (others are not comparable).

    A vector exists only while its chunk is ready (recording marks it ready in the same
    transaction; re-chunking discards it), so this reads the vector table alone."""
    rows = _rows(project_id, model)
    if not rows:
        return np.empty(0, dtype=np.int64), np.empty((0, 0), dtype=DTYPE)
    dims = rows[0][1]
    rows = [row for row in rows if row[1] == dims]
    ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    matrix = np.frombuffer(b"".join(bytes(row[2]) for row in rows), dtype=DTYPE).reshape(len(rows), dims)
    return ids, matrix


def _rows(project_id, model) -> list[tuple[int, int, bytes]]:
    if connection.vendor == "postgresql":
        return _binary_rows(project_id, model)
    rows = ChunkVector.objects.filter(project_id=project_id)
    if model is not None:
        rows = rows.filter(model=model)
    return list(rows.values_list("chunk_id", "dims", "vector"))


def _binary_rows(project_id, model):
    """The rows in PostgreSQL's binary format: bytea arrives as raw bytes instead of hex text to
    decode (about twice as fast for a project's vectors)."""
    sql = f"SELECT chunk_id, dims, vector FROM {ChunkVector._meta.db_table} WHERE project_id = %s"
    params = [project_id]
    if model is not None:
        sql, params = sql + " AND model = %s", [project_id, model]
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, binary=True)
        return cursor.fetchall()


def _default_model() -> str:
    from apps.knowledge.embeddings import get_embedder

    return get_embedder().model


def count_project(project_id: int) -> int:
    return ChunkVector.objects.filter(project_id=project_id).count()
