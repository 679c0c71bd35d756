"""Full-text search over chunks on PostgreSQL: a stored generated `search_vector` built with the
chunk's own language (english, portuguese or spanish stemming; `simple` when the language is
unknown) and a GIN index on it; plus an index that answers "how many ready vectors, changed when"
from the index alone, which search reads before every query to know its cached matrix is fresh.

SQLite has neither: search there ranks by vectors only. The ORM does not know the column; only
apps/knowledge/lexical.py reads it."""

from django.db import migrations

FORWARD = [
    """
    ALTER TABLE knowledge_chunk ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        to_tsvector(
            CASE language
                WHEN 'english' THEN 'english'::regconfig
                WHEN 'portuguese' THEN 'portuguese'::regconfig
                WHEN 'spanish' THEN 'spanish'::regconfig
                ELSE 'simple'::regconfig
            END,
            coalesce(text, '')
        )
    ) STORED
    """,
    "CREATE INDEX knowledge_chunk_search_vector ON knowledge_chunk USING GIN (search_vector)",
    "CREATE INDEX knowledge_chunk_ready_vectors ON knowledge_chunk (project_id, embedding_status, embedded_at)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS knowledge_chunk_ready_vectors",
    "DROP INDEX IF EXISTS knowledge_chunk_search_vector",
    "ALTER TABLE knowledge_chunk DROP COLUMN IF EXISTS search_vector",
]


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
