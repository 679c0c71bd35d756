"""Knowledge embeddings benchmark (the "embed" section of bench/knowledge_bench.py; also runs alone).

Run:  .venv/bin/python bench/knowledge_embed.py [--chunks 512] [--vectors 100000]
Needs PostgreSQL on 127.0.0.1 (database opsdesk_bench_embed, created and migrated when missing).

Measures in one run, so figures compare as ratios on a noisy shared machine:
  1. the local model alone: cold load time (a fresh process), chunks/s embedding the evaluation
     set's 4-message windows in batches of EMBED_BATCH_SIZE with one BLAS thread, query latency;
  2. the embed job with the local model over the same chunks stored as pending rows (claim, embed,
     record): chunks/s wall-clock, against the embedding-only rate the run itself reports (the
     ratio is what claiming and recording cost; the model's speed drifts with the machine's load);
  3. the job with the `openai` provider against the local OpenAI-compatible fake, batches of 64 vs
     one request per chunk: the batching gain;
  4. `vectors.load_project` for a project of --vectors chunks × 512 floats, against a primary-key
     fetch of one chunk in the same run.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_URL = os.environ.get("BENCH_EMBED_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/opsdesk_bench_embed")
PY = sys.executable
SLUG = "bench-embed"


def prepare_database(url=DB_URL):
    name = url.rsplit("/", 1)[1]
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-tc", f"CREATE DATABASE {name}"], capture_output=True)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings", "LOG_LEVEL": "WARNING"}
    subprocess.run([PY, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    os.environ.update({key: env[key] for key in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "LOG_LEVEL")})
    import django

    django.setup()


def windows():
    """The evaluation set's conversations cut as apps.knowledge.chunking cuts them."""
    import json

    from apps.knowledge.chunking import Line, conversation_windows

    data = json.loads((ROOT / "bench" / "data" / "knowledge_eval.json").read_text())
    roles = {"c": ("Customer", False), "a": ("Agent", False), "n": ("Agent", True)}
    texts = []
    for conversation in data["conversations"]:
        lines = []
        for n, (role, text) in enumerate(conversation["messages"]):
            name, private = roles.get(role, ("Agent", False))
            lines.append(Line(n, name, " ".join(text.split()), private))
        texts += [window.text for window in conversation_windows(lines)]
    return texts, [query["q"] for query in data["queries"]]


def corpus(count):
    texts, queries = windows()
    return [texts[n % len(texts)] + f" (#{n})" for n in range(count)], queries


def cold_load_seconds():
    code = (
        "import time; t = time.perf_counter(); from apps.knowledge.embeddings.local import loaded; loaded(); "
        "print(time.perf_counter() - t)"
    )
    output = subprocess.run([PY, "-c", code], cwd=ROOT, env=os.environ, capture_output=True, text=True, check=True)
    return float(output.stdout.strip().splitlines()[-1])


def model_alone(texts, queries, batch):
    from apps.knowledge.embeddings.local import LocalEmbedder, loaded

    loaded()
    embedder = LocalEmbedder()
    started = time.perf_counter()
    for start in range(0, len(texts), batch):
        embedder.embed_passages(texts[start : start + batch])
    rate = len(texts) / (time.perf_counter() - started)
    latencies = []
    for query in queries:
        started = time.perf_counter()
        embedder.embed_query(query)
        latencies.append((time.perf_counter() - started) * 1000)
    return rate, statistics.median(latencies), statistics.quantiles(latencies, n=20)[-1]


def fresh_project(tenant_slug=SLUG):
    from apps.integrations.models import Connection
    from apps.knowledge.models import Project, ProjectSource
    from apps.tenants.models import Plan, Tenant

    plan = Plan.objects.order_by("id").first() or Plan.objects.create(name="Bench")
    tenant, _ = Tenant.objects.get_or_create(slug=tenant_slug, defaults={"name": "Bench embed", "plan": plan})
    Project.objects.filter(tenant=tenant).delete()
    project = Project.objects.create(tenant=tenant, slug="bench", name="Bench")
    connection, _ = Connection.objects.get_or_create(tenant=tenant, provider="chatwoot", name="Bench", settings={})
    return ProjectSource.objects.create(tenant=tenant, project=project, connection=connection)


def pending_chunks(source, texts, status="pending", offset=0):
    from apps.knowledge.models import Chunk

    rows = [
        Chunk(
            tenant_id=source.tenant_id,
            project_id=source.project_id,
            source=source,
            conversation_id=n,
            message_ids=[n],
            first_message_id=n,
            text=text,
            content_hash=f"{n:064x}",
            language="english",
            embedding_status=status,
        )
        for n, text in enumerate(texts, start=offset)
    ]
    return Chunk.objects.bulk_create(rows, batch_size=5000)


def job_rate(source, texts, batch, provider):
    from django.conf import settings

    from apps.knowledge import embedding

    settings.EMBEDDINGS_PROVIDER = provider
    from apps.knowledge.models import Chunk

    Chunk.objects.filter(source=source).delete()
    pending_chunks(source, texts)
    started = time.perf_counter()
    counts = embedding.run(batch_size=batch, project_id=source.project_id, trigger="bench")
    assert counts["ready"] == len(texts), counts
    return len(texts) / (time.perf_counter() - started), counts["chunks_per_s"]


def openai_rates(source, texts):
    from django.conf import settings

    from tests.fakes.openai_embeddings import FakeEmbeddings

    with FakeEmbeddings(dims=512) as fake:
        settings.OPENAI_BASE_URL, settings.OPENAI_API_KEY = fake.base_url, fake.api_key
        batched, _ = job_rate(source, texts, 64, "openai")
        single, _ = job_rate(source, texts, 1, "openai")
    return batched, single


def load_rates(source, count, dims=512):
    import numpy as np

    from apps.knowledge import vectors
    from apps.knowledge.models import Chunk

    Chunk.objects.filter(source=source).delete()
    chunks = []
    for start in range(0, count, 20000):
        chunks += pending_chunks(source, ["x"] * min(20000, count - start), status="ready", offset=start)
    rng = np.random.default_rng(7)
    for start in range(0, count, 5000):
        part = chunks[start : start + 5000]
        vectors.save(zip(part, rng.standard_normal((len(part), dims), dtype=np.float32), strict=True), model="bench")
    load = _best_of(3, lambda: vectors.load_project(source.project_id, model="bench"))
    pk = chunks[count // 2].pk
    fetch = _best_of(20, lambda: Chunk.objects.get(pk=pk))
    return load, fetch


def _best_of(times, call):
    best = float("inf")
    for _ in range(times):
        started = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - started)
    return best


def run(chunks=512, vector_count=100_000):
    """The embed section's figures, as a dict (and printed)."""
    from django.conf import settings

    batch = settings.EMBED_BATCH_SIZE
    texts, queries = corpus(chunks)
    figures = {"cold_load_s": cold_load_seconds()}
    figures["model_chunks_per_s"], figures["query_p50_ms"], figures["query_p95_ms"] = model_alone(texts, queries, batch)
    source = fresh_project()
    figures["job_local_chunks_per_s"], figures["job_local_embedding_chunks_per_s"] = job_rate(
        source, texts, batch, "local"
    )
    figures["job_openai_batched_chunks_per_s"], figures["job_openai_single_chunks_per_s"] = openai_rates(source, texts)
    figures["load_project_s"], figures["pk_fetch_s"] = load_rates(source, vector_count)
    figures["vectors"], figures["chunks"] = vector_count, chunks
    source.project.delete()
    report(figures)
    return figures


def report(f):
    print(f"local model: cold load {f['cold_load_s']:.2f} s; {f['model_chunks_per_s']:.0f} chunks/s alone (one thread)")
    print(f"  query embedding p50 {f['query_p50_ms']:.1f} ms, p95 {f['query_p95_ms']:.1f} ms")
    ratio = f["job_local_chunks_per_s"] / f["job_local_embedding_chunks_per_s"]
    print(
        f"embed job, local: {f['job_local_chunks_per_s']:.0f} chunks/s wall, the model inside it "
        f"{f['job_local_embedding_chunks_per_s']:.0f} chunks/s: claim + record leave {ratio:.2f} of its rate"
    )
    gain = f["job_openai_batched_chunks_per_s"] / f["job_openai_single_chunks_per_s"]
    print(
        f"embed job, openai fake: batches of 64 {f['job_openai_batched_chunks_per_s']:.0f} chunks/s, one per request "
        f"{f['job_openai_single_chunks_per_s']:.0f} chunks/s = batching {gain:.1f}×"
    )
    print(
        f"load_project {f['vectors']:,} × 512: {f['load_project_s'] * 1000:.0f} ms "
        f"= {f['load_project_s'] / f['pk_fetch_s']:.0f} × a primary-key fetch ({f['pk_fetch_s'] * 1000:.2f} ms)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=512)
    parser.add_argument("--vectors", type=int, default=100_000)
    args = parser.parse_args()
    prepare_database()
    run(args.chunks, args.vectors)


if __name__ == "__main__":
    main()
