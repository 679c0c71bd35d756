"""Full-text ranking of one project's chunks on PostgreSQL (the `search_vector` column and GIN
index of migration 0002): the lexical half of hybrid search.

The query is parsed with `websearch_to_tsquery` in the query's language and in `simple` (words as
written: names, codes, room numbers), and its terms are OR-ed instead of AND-ed, so a question
phrased in full still finds a chunk that shares its key words; `ts_rank_cd` orders the matches.
Only chunks in the query's language (or of unknown language) are ranked: common words of another
language matched as written pushed right answers down when every language took part. On other
databases there is no lexical ranking and search uses vectors alone."""

from django.db import connection

from apps.knowledge import languages

CONFIGS = {languages.ENGLISH, languages.PORTUGUESE, languages.SPANISH, languages.SIMPLE}

# `websearch_to_tsquery` ANDs the words; turning each " & " into " | " keeps its stemming and stop
# words while matching any of them (a "-word" negation would match nearly everything once OR-ed,
# so its "!" goes). Each configuration's query is OR-ed with the others'.
_RANK_SQL = """
    WITH parts AS (
        SELECT replace(replace(websearch_to_tsquery(config::regconfig, %s)::text, ' & ', ' | '), '!', '') AS words
        FROM unnest(%s::text[]) AS config
    ), query AS (
        SELECT string_agg('(' || words || ')', ' | ')::tsquery AS q FROM parts WHERE words <> ''
    )
    SELECT chunk.id
    FROM knowledge_chunk AS chunk, query
    WHERE query.q IS NOT NULL
      AND chunk.project_id = %s
      AND chunk.language = ANY(%s)
      AND chunk.search_vector @@ query.q
    ORDER BY ts_rank_cd(chunk.search_vector, query.q) DESC, chunk.id
    LIMIT %s
"""


def available() -> bool:
    return connection.vendor == "postgresql"


def rank(project_id: int, query: str, language: str, *, limit: int = 50) -> list[int]:
    """Ids of the project's chunks matching `query`, best first; [] where there is no full-text
    search. `language` is the query's (apps.knowledge.languages.detect)."""
    if not available() or not query.strip():
        return []
    configs, allowed = scope(language)
    with connection.cursor() as cursor:
        cursor.execute(_RANK_SQL, [query, configs, project_id, allowed, limit])
        return [row[0] for row in cursor.fetchall()]


def scope(language: str) -> tuple[list[str], list[str]]:
    """(configurations the query is parsed with, chunk languages ranked): the query's language and
    `simple`; every language when the query's is unknown."""
    if language in CONFIGS and language != languages.SIMPLE:
        return [language, languages.SIMPLE], [language, languages.SIMPLE]
    return sorted(CONFIGS), sorted(CONFIGS)


_CONFIG_OF_CHUNK = """CASE chunk.language WHEN 'english' THEN 'english'::regconfig
    WHEN 'portuguese' THEN 'portuguese'::regconfig WHEN 'spanish' THEN 'spanish'::regconfig
    ELSE 'simple'::regconfig END"""
_COVERAGE_SQL = f"""
    SELECT chunk.id, words.shared::float / greatest(words.total, 1)
    FROM knowledge_chunk AS chunk,
    LATERAL (SELECT tsvector_to_array(to_tsvector({_CONFIG_OF_CHUNK}, %s)) AS lexemes) AS query,
    LATERAL (SELECT cardinality(query.lexemes) AS total, cardinality(ARRAY(
        SELECT unnest(query.lexemes) INTERSECT SELECT unnest(tsvector_to_array(chunk.search_vector))
    )) AS shared) AS words
    WHERE chunk.project_id = %s AND chunk.id = ANY(%s)
"""


def coverage(project_id: int, query: str, chunk_ids) -> dict[int, float]:
    """chunk id → the share of the query's words (stemmed in the chunk's language, stop words
    left out) the chunk contains; {} where there is no full-text search."""
    if not available() or not chunk_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_COVERAGE_SQL, [query, project_id, list(chunk_ids)])
        return dict(cursor.fetchall())
