import numpy as np
import pytest

from apps.knowledge.embeddings import EmbeddingError, get_embedder
from apps.knowledge.embeddings.client import EmbeddingsClient
from apps.knowledge.embeddings.local import DIMS, LocalEmbedder
from apps.knowledge.embeddings.openai import OpenAIEmbedder
from tests.fakes.openai_embeddings import FakeEmbeddings
from tests.fakes.server import Reply

CONVERSATIONS = [
    "Customer: Is the pool heated?\nAgent: The rooftop pool is heated to 28 degrees and open 8 am to 8 pm.",
    "Customer: Vocês têm estacionamento?\nAgent: Temos garagem coberta por 12 euros por dia.",
    "Customer: ¿Aceptan mascotas?\nAgent: Sí, mascotas de hasta 10 kg por 15 euros la noche.",
    "Customer: My card was charged twice\nAgent: The second charge is a pre-authorisation, released in 5 days.",
    "Customer: How do I get my exam results?\nAgent: Results are in the patient portal within 48 hours.",
]


@pytest.fixture(scope="module")
def local_passages():
    return LocalEmbedder().embed_passages(CONVERSATIONS)


def best(matrix, query):
    return int(np.argmax(matrix @ LocalEmbedder().embed_query(query)))


def test_the_local_model_embeds_passages_as_unit_float32_rows(local_passages):
    assert local_passages.shape == (len(CONVERSATIONS), DIMS)
    assert local_passages.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(local_passages, axis=1), 1.0, rtol=1e-5)
    assert get_embedder().name == "local" and get_embedder().dims == DIMS


@pytest.mark.parametrize(
    ("query", "answer"),
    [
        ("is the swimming pool warm", 0),  # paraphrase
        ("a piscina é aquecida?", 0),  # Portuguese question, English answer
        ("do you have parking for my car", 1),  # English question, Portuguese answer
        ("posso levar meu cachorro?", 2),  # Portuguese question, Spanish answer
        ("I was billed two times", 3),
        ("¿dónde veo los resultados de mis análisis?", 4),
    ],
)
def test_the_local_model_finds_the_answer_across_languages(local_passages, query, answer):
    assert best(local_passages, query) == answer


def test_an_unrelated_question_scores_lower_than_an_answered_one(local_passages):
    query = LocalEmbedder().embed_query
    assert (local_passages @ query("what is the capital of Australia")).max() < (
        local_passages @ query("heated pool")
    ).max()


def test_the_local_model_embeds_nothing_into_an_empty_matrix():
    assert LocalEmbedder().embed_passages([]).shape == (0, DIMS)


def test_an_unknown_provider_is_a_configuration_error():
    with pytest.raises(EmbeddingError) as caught:
        get_embedder("word2vec")
    assert caught.value.kind == "not_configured"


# --- the openai embedder against a local server that answers like OpenAI's ----------------------


@pytest.fixture
def fake(settings):
    with FakeEmbeddings() as server:
        settings.OPENAI_BASE_URL, settings.OPENAI_API_KEY = server.base_url, server.api_key
        settings.EMBEDDINGS_MODEL = "text-embedding-3-small"
        settings.EMBEDDINGS_TIMEOUT_S = 0.5
        yield server


def error_of(call):
    with pytest.raises(EmbeddingError) as caught:
        call()
    return caught.value


def test_the_openai_embedder_sends_the_batch_and_returns_unit_rows_in_input_order(fake):
    embedder = get_embedder("openai")

    matrix = embedder.embed_passages(["late checkout", "heated pool", "late checkout please"])

    [request] = fake.requests_to("/v1/embeddings")
    assert request.headers["Authorization"] == "Bearer sk-embed-test"
    assert request.json() == {
        "model": "text-embedding-3-small",
        "input": ["late checkout", "heated pool", "late checkout please"],
        "encoding_format": "float",
    }
    assert matrix.shape == (3, 64) and embedder.dims == 64
    np.testing.assert_allclose(np.linalg.norm(matrix, axis=1), 1.0, rtol=1e-5)
    assert matrix[0] @ matrix[2] > matrix[0] @ matrix[1]


def test_the_openai_embedder_embeds_a_query(fake):
    vector = get_embedder("openai").embed_query("heated pool")

    np.testing.assert_allclose(vector, fake.vector("heated pool"), rtol=1e-5)


def test_without_a_key_the_openai_embedder_says_what_to_set(fake, settings):
    settings.OPENAI_API_KEY = ""

    error = error_of(lambda: get_embedder("openai").embed_passages(["x"]))

    assert error.kind == "not_configured" and "OPENAI_API_KEY" in error.message
    assert not fake.requests


@pytest.mark.parametrize(
    ("reply", "kind", "status"),
    [
        (lambda fake: fake.too_large(), "too_large", 413),
        (lambda fake: fake.too_many_inputs(), "batch_too_large", 400),
        (lambda fake: fake.rate_limited(), "rate_limited", 429),
        (lambda fake: fake.quota(), "quota", 429),
        (lambda fake: fake.server_error(), "server_error", 500),
        (lambda fake: fake.error(400, "'$.input' is invalid."), "bad_request", 400),
        (
            lambda fake: fake.error(404, "The model `nope` does not exist", code="model_not_found"),
            "model_unavailable",
            404,
        ),
    ],
)
def test_errors_are_classified(fake, reply, kind, status):
    fake.script(reply(fake))

    error = error_of(lambda: get_embedder("openai").embed_passages(["a", "b"]))

    assert (error.kind, error.status) == (kind, status)
    assert error.shrinks_batch == (kind in ("too_large", "batch_too_large", "rate_limited"))


def test_a_429_carries_its_retry_after(fake):
    fake.script(fake.rate_limited(retry_after=7))

    assert error_of(lambda: get_embedder("openai").embed_passages(["a"])).retry_after == 7.0


def test_a_wrong_key_is_unauthorized_with_openais_message(fake, settings):
    settings.OPENAI_API_KEY = "sk-wrong"

    error = error_of(lambda: get_embedder("openai").embed_passages(["a"]))

    assert (error.kind, error.status, error.message) == ("unauthorized", 401, "Incorrect API key provided.")


def test_a_server_that_does_not_answer_in_time_is_a_timeout(fake):
    fake.script(fake.hang(2))

    error = error_of(lambda: get_embedder("openai").embed_passages(["a"]))

    assert error.kind == "timeout" and error.shrinks_batch


def test_a_server_that_is_not_there_is_a_connection_error(settings):
    settings.OPENAI_API_KEY = "k"
    client = EmbeddingsClient(base_url="http://127.0.0.1:9/v1", api_key="k", timeout=1, connect_timeout=1)

    error = error_of(lambda: OpenAIEmbedder(client=client).embed_passages(["a"]))

    assert error.kind == "connection"


def test_an_answer_without_one_embedding_per_input_is_invalid(fake):
    fake.script(Reply(200, {"object": "list", "data": [], "model": "text-embedding-3-small"}))

    assert error_of(lambda: get_embedder("openai").embed_passages(["a"])).kind == "invalid_response"
