"""Chunk vectors stay inside their table row on PostgreSQL (STORAGE PLAIN).

A 512-float32 vector is 2,048 bytes, just past the ~2 KB at which PostgreSQL compresses a value
and moves it to the TOAST table; random floats do not compress, so every vector read became a
second lookup. Kept in the row, a project's vectors load about 3-4 times faster (bench/RESULTS.md).
SQLite has no such thing."""

from django.db import migrations


def storage(kind):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE knowledge_chunkvector ALTER COLUMN vector SET STORAGE {kind}")

    return operation


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0003_chunk_embedding_claim")]

    operations = [migrations.RunPython(storage("PLAIN"), storage("EXTENDED"))]
