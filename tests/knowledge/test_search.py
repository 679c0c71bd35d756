"""Hybrid search with the real local model on a small corpus: the right conversation first for a
paraphrase, a keyword and a question in another language; "no answer" with no results for what
the project does not hold; one hit per conversation; never another project's or tenant's chunk."""

import pytest

from apps.knowledge import search
from apps.knowledge.models import Chunk
from tests.knowledge import eval_corpus
from tests.knowledge.search_fixtures import searchable_source

pytestmark = [pytest.mark.django_db, pytest.mark.services]


def first(answer):
    assert answer.answerable, answer
    return answer.results[0]


def test_a_paraphrase_finds_its_conversation_with_a_link_and_the_messages(hotel):
    hit = first(search.search(hotel, "My internet connection is not working in the room"))
    assert hit.conversation_id == 105
    assert hit.url == "https://chat.alpha.test/app/accounts/7/conversations/105"
    assert set(hit.message_ids) <= {10501, 10502, 10503, 10504} and hit.message_ids
    assert "HotelGuest" in hit.text and 0 < hit.score <= 1


def test_a_keyword_query_finds_the_conversation_naming_it(hotel):
    assert first(search.search(hotel, "Unimed")).conversation_id == 122


def test_a_question_in_english_finds_the_answer_given_in_portuguese(hotel):
    assert first(search.search(hotel, "Is the swimming pool heated?")).conversation_id == 117


def test_a_question_in_spanish_finds_the_answer_given_in_english(hotel):
    assert 106 in [
        h.conversation_id for h in search.search(hotel, "¿Cuándo me devuelven el dinero si cancelo?").results
    ]


@pytest.mark.parametrize("query", ["Do you rent bicycles?", "¿Tienen sala de reuniones para 20 personas?"])
def test_what_the_project_does_not_hold_has_no_answer_and_no_results(hotel, query):
    answer = search.search(hotel, query)
    assert answer == search.SearchAnswer(project="hotel", answerable=False, results=[])


def test_a_conversation_appears_once_however_many_of_its_chunks_match(tenant):
    long_talk = {
        "id": 501,
        "messages": [
            ["c", "Is there parking at the hotel?"],
            ["a", "Yes, the underground parking costs 15 EUR per night."],
            ["c", "Is the parking covered?"],
            ["a", "The parking is covered and guarded."],
            ["c", "Can I charge my electric car in the parking?"],
            ["a", "Two chargers for electric cars are in the parking garage."],
        ],
    }
    source = searchable_source(tenant, "cars", ids=(103,))
    eval_corpus.store(source, [long_talk])
    eval_corpus.embed(source.project)
    assert Chunk.objects.filter(project=source.project, conversation_id=501).count() > 1
    found = [h.conversation_id for h in search.search(source.project, "parking garage price", limit=5).results]
    assert found.count(501) == 1 and len(found) == len(set(found))


def test_another_projects_and_another_tenants_chunks_are_never_found(tenant, other_tenant):
    mine = searchable_source(tenant, "clinic", ids=(109, 122)).project
    searchable_source(tenant, "rooms", ids=(105,))
    searchable_source(other_tenant, "clinic", ids=(105, 113))
    for query in ("wifi password", "HotelGuest", "check-in antecipado", "Unimed"):
        answer = search.search(mine, query)
        assert {h.conversation_id for h in answer.results} <= {109, 122}, query
        assert answer.project == "clinic"


def test_a_newly_embedded_conversation_is_found_without_a_restart(tenant):
    source = searchable_source(tenant, "grows", ids=(103,))
    assert not search.search(source.project, "HotelGuest wifi password").answerable
    eval_corpus.store(source, [c for c in eval_corpus.evaluation.load_set()["conversations"] if c["id"] == 105])
    eval_corpus.embed(source.project)
    assert first(search.search(source.project, "HotelGuest wifi password")).conversation_id == 105


def test_public_only_leaves_out_chunks_with_private_notes(hotel):
    query = "Can you send me another copy of my receipt?"
    assert first(search.search(hotel, query)).conversation_id == 112
    public = search.search(hotel, query, public_only=True)
    assert 112 not in [h.conversation_id for h in public.results]


@pytest.mark.parametrize(
    "query, limit, code",
    [
        ("", 5, "empty_query"),
        ("   \n ", 5, "empty_query"),
        ("x" * 10_000, 5, "query_too_long"),
        ("parking", 0, "bad_limit"),
        ("parking", 21, "bad_limit"),
        ("parking", "five", "bad_limit"),
        ("parking", "2.5", "bad_limit"),
    ],
)
def test_bad_input_is_refused_with_what_is_wrong(tenant, query, limit, code):
    project = searchable_source(tenant, "empty", ids=()).project
    with pytest.raises(search.SearchError) as refused:
        search.search(project, query, limit=limit)
    assert refused.value.code == code and refused.value.status_code == 400


def test_a_project_without_ready_chunks_has_no_answer(tenant):
    project = searchable_source(tenant, "empty", ids=()).project
    assert search.search(project, "parking").answerable is False


def test_the_limit_caps_the_hits(hotel):
    assert len(search.search(hotel, "hotel room", limit=1).results) <= 1


def test_a_big_project_searched_in_two_passes_finds_what_the_exact_scan_finds(hotel, monkeypatch):
    queries = ["wifi password", "Is the swimming pool heated?", "Unimed", "Do you rent bicycles?"]
    exact = [search.search(hotel, q) for q in queries]
    monkeypatch.setattr(search, "BIG_PROJECT", 5)
    monkeypatch.setattr(search, "COARSE_CANDIDATES", 8)
    search.forget_cache()
    assert search.project_matrix(hotel)[0].reduced is not None
    assert [search.search(hotel, q) for q in queries] == exact
