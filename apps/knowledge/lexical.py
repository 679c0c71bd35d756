"""Full-text ranking of one project's chunks on PostgreSQL (the `search_vector` column and GIN
index of migration 0002): the lexical half of hybrid search.

The query is parsed with `websearch_to_tsquery` in the query's language and in `simple` (words as
written: names, codes, room numbers), and its terms are OR-ed instead of AND-ed, so a question
phrased in full still finds a chunk that shares its key words; `ts_rank` orders the matches.
Only chunks in the query's language (or of unknown language) are ranked: common words of another
language matched as written pushed right answers down when every language took part. On other
databases (SQLite, the embedded default) there is no lexical ranking, and the share of the query's
words a chunk holds is counted in Python over the few chunks search checks."""

from django.db import connection

from apps.knowledge import languages
from apps.knowledge.models import Chunk

# Ranking reads every matching row, and a common word matches most of a project's chunks: ranking
# a 10,000-chunk project took 15-30 ms, a 100,000-chunk one hundreds (bench/RESULTS.md). So the
# whole project is ranked only up to SCAN_LIMIT chunks (and then only its first MATCH_CAP
# matches); a bigger project ranks the vector side's candidates only (`among`), a few ms.
SCAN_LIMIT = 5_000
MATCH_CAP = 2000
CONFIGS = {languages.ENGLISH, languages.PORTUGUESE, languages.SPANISH, languages.SIMPLE}

# `websearch_to_tsquery` ANDs the words; turning each " & " into " | " keeps its stemming and stop
# words while matching any of them (a "-word" negation would match nearly everything once OR-ed,
# so its "!" goes). Each configuration's query is OR-ed with the others'. The query is parsed in
# its own statement so the planner sees it as a constant and can tell a rare word (GIN index) from
# a common one (the project's own rows).
_PARSE_SQL = """
    SELECT string_agg('(' || words || ')', ' | ')
    FROM (
        SELECT replace(replace(websearch_to_tsquery(config::regconfig, %s)::text, ' & ', ' | '), '!', '') AS words
        FROM unnest(%s::text[]) AS config
    ) AS parts
    WHERE words <> ''
"""
_RANK_SQL = """
    SELECT matched.id
    FROM (
        SELECT chunk.id, chunk.search_vector
        FROM knowledge_chunk AS chunk
        WHERE chunk.project_id = %s
          AND chunk.language = ANY(%s)
          AND chunk.search_vector @@ %s::tsquery
          {among}
        LIMIT %s
    ) AS matched
    ORDER BY ts_rank(matched.search_vector, %s::tsquery) DESC, matched.id
    LIMIT %s
"""


def available() -> bool:
    return connection.vendor == "postgresql"


def rank(project_id: int, query: str, language: str, *, limit: int = 50, among=None) -> list[int]:
    """Ids of the project's chunks matching `query`, best first; [] where there is no full-text
    search. `language` is the query's (apps.knowledge.languages.detect); `among`, chunk ids to
    rank instead of the whole project."""
    if not available() or not query.strip():
        return []
    configs, allowed = scope(language)
    with connection.cursor() as cursor:
        cursor.execute(_PARSE_SQL, [query, configs])
        parsed = cursor.fetchone()[0]
        if not parsed:
            return []
        among_sql = "AND chunk.id = ANY(%s)" if among is not None else ""
        params = [project_id, allowed, parsed, *([list(among)] if among is not None else []), MATCH_CAP, parsed, limit]
        cursor.execute(_RANK_SQL.format(among=among_sql), params)
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
    if not chunk_ids:
        return {}
    if not available():
        return coverage_in_python(project_id, query, chunk_ids)
    with connection.cursor() as cursor:
        cursor.execute(_COVERAGE_SQL, [query, project_id, list(chunk_ids)])
        return dict(cursor.fetchall())


STOP_WORDS = frozenset().union(*languages.WORDS.values())
STEM_LETTERS = 5


def coverage_in_python(project_id: int, query: str, chunk_ids) -> dict[int, float]:
    """`coverage` without full-text search: the share of the query's content words whose first
    letters (a crude stem, the same in the three languages) start a word of the chunk."""
    wanted = stems(query)
    if not wanted:
        return {}
    texts = Chunk.objects.filter(project_id=project_id, pk__in=list(chunk_ids)).values_list("pk", "text")
    return {pk: len(wanted & stems(text)) / len(wanted) for pk, text in texts}


def stems(text: str) -> set[str]:
    words = languages.TOKEN.findall(text.casefold())
    return {word[:STEM_LETTERS] for word in words if len(word) > 2 and word not in STOP_WORDS}
