import numpy as np
import pytest

from apps.knowledge import vectors
from apps.knowledge.chunking import rechunk
from apps.knowledge.models import Chunk
from tests.knowledge.corpus import add_messages, make_source, qa

pytestmark = pytest.mark.django_db
READY = Chunk.EmbeddingStatus.READY


def ready_chunks(source, conversations=3):
    for conversation_id in range(1, conversations + 1):
        add_messages(source, conversation_id, qa((f"Question {conversation_id}?", f"Answer {conversation_id}.")))
    rechunk(source, range(1, conversations + 1))
    Chunk.objects.filter(source=source).update(embedding_status=READY)
    return list(Chunk.objects.filter(source=source).order_by("id"))


def test_a_projects_vectors_load_as_one_float32_matrix_whose_rows_match_the_ids():
    source = make_source()
    chunks = ready_chunks(source)
    rows = np.arange(12, dtype=np.float32).reshape(3, 4)
    vectors.save(list(zip(chunks, rows, strict=True)), model="m")

    ids, matrix = vectors.load_project(source.project_id)

    assert ids.dtype == np.int64 and sorted(ids.tolist()) == [chunk.pk for chunk in chunks]
    assert matrix.dtype == np.float32 and matrix.shape == (3, 4)
    saved = {chunk.pk: row for chunk, row in zip(chunks, rows, strict=True)}
    for chunk_id, row in zip(ids.tolist(), matrix, strict=True):
        np.testing.assert_array_equal(row, saved[chunk_id])


def test_only_the_projects_own_vectors_load():
    source, other = make_source(slug="one"), make_source(slug="two")
    chunks, others = ready_chunks(source), ready_chunks(other)
    vectors.save([(chunk, [1.0, 2.0]) for chunk in chunks + others], model="m")

    ids, matrix = vectors.load_project(source.project_id)

    assert sorted(ids.tolist()) == [chunk.pk for chunk in chunks]
    assert matrix.shape == (3, 2)


def test_a_chunk_whose_text_changes_loses_its_vector_until_it_is_embedded_again():
    source = make_source()
    [chunk] = ready_chunks(source, conversations=1)
    vectors.save([(chunk, [1.0, 2.0])], model="m")
    add_messages(source, 1, qa(("And breakfast?", "From 7 am.")))

    rechunk(source, [1])

    assert vectors.load_project(source.project_id)[0].size == 0


def test_saving_again_replaces_the_vector_and_its_model():
    source = make_source()
    [chunk] = ready_chunks(source, conversations=1)
    vectors.save([(chunk, [1.0, 0.0])], model="old")
    vectors.save([(chunk, [0.0, 1.0, 0.0])], model="new")

    ids, matrix = vectors.load_project(source.project_id, model="new")

    assert matrix.tolist() == [[0.0, 1.0, 0.0]]
    assert vectors.load_project(source.project_id, model="old")[0].size == 0


def test_an_empty_project_loads_empty_arrays():
    ids, matrix = vectors.load_project(make_source().project_id)

    assert ids.shape == (0,) and matrix.shape == (0, 0)


def test_discard_forgets_vectors():
    source = make_source()
    chunks = ready_chunks(source, conversations=2)
    vectors.save([(chunk, [1.0]) for chunk in chunks], model="m")

    assert vectors.discard([chunks[0].pk]) == 1
    assert vectors.count_project(source.project_id) == 1


def test_vectors_are_stored_as_packed_float32_bytes():
    vector = np.array([0.25, -1.5, 3.0], dtype=np.float32)

    assert vectors.pack(vector) == vector.tobytes()
    np.testing.assert_array_equal(vectors.unpack(vectors.pack(vector), 3), vector)
