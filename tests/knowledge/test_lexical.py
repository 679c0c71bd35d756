"""Full-text ranking of a project's chunks on PostgreSQL: stemmed in the chunk's language, words
of a question OR-ed, the query's language (and unknown-language chunks) only, one project only."""

import hashlib

import pytest

from apps.knowledge import lexical
from apps.knowledge.models import Chunk
from tests.knowledge.corpus import make_source

pytestmark = [pytest.mark.django_db, pytest.mark.services]


def chunk(source, conversation_id, text, language):
    return Chunk.objects.create(
        tenant_id=source.tenant_id,
        project_id=source.project_id,
        source=source,
        conversation_id=conversation_id,
        message_ids=[conversation_id * 10],
        first_message_id=conversation_id * 10,
        text=text,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        language=language,
    )


@pytest.fixture
def source(tenant):
    return make_source(tenant, slug="hotel")


def test_a_question_finds_the_chunk_sharing_its_stemmed_words(source):
    parking = chunk(source, 1, "Customer: Is parking included? Agent: Parking costs 15 euros per night.", "english")
    chunk(source, 2, "Customer: Do you have a pool? Agent: The pool opens at 8.", "english")
    assert lexical.rank(source.project_id, "how much does the parking cost", "english") == [parking.pk]


def test_portuguese_words_match_through_portuguese_stemming(source):
    cancel = chunk(source, 1, "Cliente: Quero cancelar a reserva. Agente: O cancelamento é gratuito.", "portuguese")
    assert lexical.rank(source.project_id, "cancelamentos de reservas", "portuguese") == [cancel.pk]


def test_a_query_ranks_only_chunks_in_its_language_or_unknown(source):
    spanish = chunk(source, 1, "Cliente: ¿Hay desayuno? Agente: El desayuno está incluido.", "spanish")
    code = chunk(source, 2, "desayuno ABC123", "simple")
    found = lexical.rank(source.project_id, "desayuno incluido", "english")
    assert spanish.pk not in found and found == [code.pk]


def test_another_projects_chunks_never_match(source, other_tenant):
    theirs = make_source(other_tenant, slug="hotel")
    chunk(theirs, 1, "Agent: parking is free", "english")
    assert lexical.rank(source.project_id, "parking", "english") == []


def test_a_query_of_stop_words_or_symbols_matches_nothing(source):
    chunk(source, 1, "Agent: the parking is free", "english")
    assert lexical.rank(source.project_id, "the a of", "english") == []
    assert lexical.rank(source.project_id, "!!! & | <->", "simple") == []


def test_among_ranks_only_the_given_chunks(source):
    first = chunk(source, 1, "Agent: parking is free for guests", "english")
    chunk(source, 2, "Agent: parking costs 15 euros", "english")
    assert lexical.rank(source.project_id, "parking", "english", among=[first.pk]) == [first.pk]
    assert lexical.rank(source.project_id, "parking", "english", among=[]) == []


def test_coverage_is_the_share_of_the_query_words_a_chunk_holds(source):
    parking = chunk(source, 1, "Customer: Is parking included? Agent: Parking costs 15 euros per night.", "english")
    shares = lexical.coverage(source.project_id, "parking price per night", [parking.pk])
    assert shares == {parking.pk: pytest.approx(3 / 4)}  # park, per, night of park, price, per, night


def test_without_full_text_search_coverage_counts_the_query_words_in_python(source):
    parking = chunk(source, 1, "Customer: Is there parking at the hotel? Agent: Yes, 18 EUR per night.", "english")
    pool = chunk(source, 2, "Customer: Do you have a pool? Agent: The pool opens at 8.", "english")
    shares = lexical.coverage_in_python(source.project_id, "parking at the hotel", [parking.pk, pool.pk])
    assert shares == {parking.pk: 1.0, pool.pk: 0.0}


def test_a_query_of_stop_words_alone_covers_nothing(source):
    parking = chunk(source, 1, "Customer: Is there parking at the hotel?", "english")
    assert lexical.coverage_in_python(source.project_id, "is there a", [parking.pk]) == {}
