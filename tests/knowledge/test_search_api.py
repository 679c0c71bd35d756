"""GET /api/v1/search/: a tenant's key or member session searches one of the tenant's projects and
gets exactly the issue's answer shape; bad input is a 400 saying what is wrong, a project the
tenant does not have (another tenant's included) a 404, and an operator key is refused."""

import pytest
from django.test import Client
from django.utils import timezone

from apps.knowledge import evaluation
from tests.factories import MembershipFactory
from tests.knowledge import eval_corpus
from tests.knowledge.factories import ProjectFactory
from tests.knowledge.search_fixtures import searchable_source

pytestmark = [pytest.mark.django_db, pytest.mark.services]
URL = "/api/v1/search/"


def test_a_tenant_key_gets_the_answer_in_the_issues_shape(tenant_api, hotel):
    response = tenant_api.get(URL, {"project": "hotel", "q": "wifi password", "limit": 3})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"project", "answerable", "results"}
    assert body["project"] == "hotel" and body["answerable"] is True
    hit = body["results"][0]
    assert set(hit) == {"conversation_id", "message_ids", "text", "score", "url"}
    assert hit["conversation_id"] == 105 and hit["url"].endswith("/app/accounts/7/conversations/105")
    assert all(isinstance(m, int) for m in hit["message_ids"]) and 0 <= hit["score"] <= 1
    assert len(body["results"]) <= 3


def test_nothing_answering_is_an_answer_too(tenant_api, hotel):
    response = tenant_api.get(URL, {"project": "hotel", "q": "Do you rent bicycles?"})
    assert response.status_code == 200
    assert response.json() == {"project": "hotel", "answerable": False, "results": []}


def test_a_viewer_session_may_search(tenant, hotel):
    client = Client()
    client.force_login(MembershipFactory(tenant=tenant, role="viewer").user)
    response = client.get(URL, {"project": "hotel", "q": "Unimed"})
    assert response.status_code == 200 and response.json()["results"][0]["conversation_id"] == 122


@pytest.mark.parametrize(
    "params, error, words",
    [
        ({"q": "wifi"}, "project_required", "project"),
        ({"project": "hotel"}, "empty_query", "empty"),
        ({"project": "hotel", "q": "   "}, "empty_query", "empty"),
        ({"project": "hotel", "q": "wifi " * 2048}, "query_too_long", "at most 500"),
        ({"project": "hotel", "q": "wifi", "limit": "0"}, "bad_limit", "1 to 20"),
        ({"project": "hotel", "q": "wifi", "limit": "100"}, "bad_limit", "1 to 20"),
        ({"project": "hotel", "q": "wifi", "limit": "many"}, "bad_limit", "1 to 20"),
    ],
)
def test_bad_input_is_a_400_that_says_what_is_wrong(tenant_api, tenant, params, error, words):
    ProjectFactory(tenant=tenant, slug="hotel")
    response = tenant_api.get(URL, params)
    assert response.status_code == 400
    assert response.json()["error"] == error and words in response.json()["detail"]


def test_an_unknown_project_is_a_404(tenant_api):
    response = tenant_api.get(URL, {"project": "nope", "q": "wifi"})
    assert response.status_code == 404 and "no project 'nope'" in response.json()["detail"]


def test_another_tenants_project_is_a_404_that_shows_nothing_of_it(tenant_api, other_tenant):
    searchable_source(other_tenant, "their-hotel", ids=(105,))
    response = tenant_api.get(URL, {"project": "their-hotel", "q": "wifi password"})
    assert response.status_code == 404 and "HotelGuest" not in response.content.decode()


def test_an_operator_key_is_refused(operator_api, hotel):
    assert operator_api.get(URL, {"project": "hotel", "q": "wifi"}).status_code == 403


def test_an_embeddings_provider_that_is_down_is_a_503_that_says_so(tenant_api, tenant, settings):
    from apps.knowledge import vectors
    from apps.knowledge.models import Chunk

    settings.EMBEDDINGS_PROVIDER, settings.OPENAI_BASE_URL = "openai", "http://127.0.0.1:9/v1"
    settings.OPENAI_API_KEY, settings.EMBEDDINGS_CONNECT_TIMEOUT_S = "sk-test", 0.5
    source = searchable_source(tenant, "remote", ids=())
    eval_corpus.store(source, [c for c in evaluation.load_set()["conversations"] if c["id"] == 105])
    chunks = list(Chunk.objects.filter(project=source.project))
    vectors.save([(chunk, [1.0] + [0.0] * 1535) for chunk in chunks], model=settings.EMBEDDINGS_MODEL)
    Chunk.objects.filter(project=source.project).update(embedding_status="ready", embedded_at=timezone.now())
    response = tenant_api.get(URL, {"project": "remote", "q": "wifi"})
    assert response.status_code == 503
    assert response.json()["error"] == "unavailable" and "embeddings provider failed" in response.json()["detail"]
