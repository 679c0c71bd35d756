"""Knowledge search benchmark: the "eval" and "search" sections of bench/knowledge_bench.py (also
runs alone).

Run:  .venv/bin/python bench/knowledge_search.py [--only eval|search] [--big 100000] [--others 1000000] [--keep]
Needs PostgreSQL on 127.0.0.1 (database opsdesk_bench_search, created and migrated when missing).

eval: the evaluation set (bench/data/knowledge_eval.json: 38 EN/PT/ES hotel and clinic
  conversations, 70 queries) synced into a project, chunked and embedded by the real code and the
  default (local) model; recall@5, the share answered, "no answer" accuracy and end-to-end
  correctness per kind of query, for vector-only search and for fusion with the lexical side at
  several weights; then the answer thresholds calibrated on the whole set (what search.py uses)
  and, to show how far they carry, calibrated on half of the queries and scored on the other half.

search: latency of `search.search` in a project of 10,000 and of --big chunks, with --others chunks
  in the same table across 100 other projects (synthetic multilingual text with its full-text
  vector, random unit vectors for the measured projects; COPY-loaded). Per size: the first query
  (loads the project's matrix), then p50/p95 over distinct queries of the evaluation set (each
  embedded once by the model: the end-to-end figure), and the same with the query vectors cached;
  the baselines are a primary-key fetch of one chunk and the bare numpy product of the project's
  matrix with one query vector (the memory-bound floor of an exact scan), in the same run. Then
  how much of the exact top 10 / top 50 the two-pass search of big projects keeps, on 6,000 real
  embeddings.
"""

import argparse
import io
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_URL = os.environ.get("BENCH_SEARCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/opsdesk_bench_search")
PY = sys.executable
OTHER_PROJECTS = 100
WEIGHTS = (0.0, 0.15, 0.25, 0.5, 1.0)


def prepare_database(url=DB_URL):
    name = url.rsplit("/", 1)[1]
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-tc", f"CREATE DATABASE {name}"], capture_output=True)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings", "LOG_LEVEL": "WARNING"}
    subprocess.run([PY, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    os.environ.update({key: env[key] for key in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "LOG_LEVEL")})
    import django

    django.setup()


def percentile(samples, share):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def timed_ms(call):
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


# --- eval --------------------------------------------------------------------------------------


def source_for(slug, tenant_slug):
    from apps.integrations.models import Connection
    from apps.knowledge.models import Project, ProjectSource
    from apps.tenants.models import Plan, Tenant

    plan = Plan.objects.order_by("pk").first() or Plan.objects.create(name="Bench")
    tenant, _ = Tenant.objects.get_or_create(slug=tenant_slug, defaults={"name": tenant_slug.title(), "plan": plan})
    Project.objects.filter(tenant=tenant, slug=slug).delete()
    project = Project.objects.create(tenant=tenant, slug=slug, name=slug.title())
    connection = Connection.objects.create(
        tenant=tenant, provider="chatwoot", name=f"{slug} chatwoot", settings={"base_url": "http://cw", "account_id": 1}
    )
    return ProjectSource.objects.create(tenant=tenant, project=project, connection=connection)


def run_eval():
    from apps.knowledge import evaluation, search
    from tests.knowledge import eval_corpus

    source = source_for("bench-eval", "bench-eval")
    data = eval_corpus.load(source)
    project, queries = source.project, data["queries"]
    by_weight = {weight: evaluation.run(project, queries, lexical_weight=weight) for weight in WEIGHTS}
    report = {"queries": len(queries), "weights": {}}
    for weight, outcomes in by_weight.items():
        report["weights"][weight] = evaluation.summary(outcomes)
    chosen = by_weight[search.LEXICAL_WEIGHT] if search.LEXICAL_WEIGHT in by_weight else by_weight[0.0]
    report["calibrated_on_all"] = evaluation.calibrate(chosen)
    report["in_use"] = {
        "lexical_weight": search.LEXICAL_WEIGHT,
        "answer_score": search.ANSWER_SCORE,
        "near_score": search.NEAR_SCORE,
        "margin": search.ANSWER_MARGIN,
        "words_share": search.WORDS_SHARE,
    }
    report["held_out"] = held_out(chosen)
    print_eval(report)
    return report


def held_out(outcomes):
    """Calibrated on the odd queries, scored on the even ones, and the other way round."""
    from apps.knowledge import evaluation

    scores = []
    for fit, check in ((outcomes[::2], outcomes[1::2]), (outcomes[1::2], outcomes[::2])):
        found = evaluation.calibrate(fit)
        thresholds = (found["answer_score"], found["near_score"], found["margin"], found["words_share"])
        scores.append({"fit": found["balanced_accuracy"], "held_out": round(evaluation.balanced(check, thresholds), 3)})
    return scores


def print_eval(report):
    print(f"\n== eval: {report['queries']} queries; recall@5 / answered / no-answer accuracy / correct ==")
    for weight, table in report["weights"].items():
        label = "vector only" if weight == 0 else f"fused, lexical weight {weight}"
        print(f"-- {label}")
        for kind, row in table.items():
            recall = "  -  " if row["recall_at_5"] is None else f"{row['recall_at_5']:.3f}"
            print(
                f"   {kind:14} n={row['queries']:3}  recall@5 {recall}  answered {row['answered']:.3f}  "
                f"no-answer acc {row['no_answer_accuracy']:.3f}  correct {row['correct']:.3f}"
            )
    print("calibrated on all queries:", report["calibrated_on_all"])
    print("in use (apps/knowledge/search.py):", report["in_use"])
    print("half/half calibration (balanced accuracy fit → held out):", report["held_out"])


# --- search latency ----------------------------------------------------------------------------

WORDS = {
    "english": "room booking breakfast parking shuttle airport invoice refund cancel checkout late wifi password "
    "pool gym spa doctor appointment prescription blood test insurance receipt fever clinic nurse "
    "schedule price night guest luggage bed towel key card floor noise".split(),
    "portuguese": "quarto reserva café estacionamento traslado aeroporto nota reembolso cancelar saída wifi senha "
    "piscina academia consulta receita exame sangue convênio recibo febre clínica enfermeira horário "
    "preço noite hóspede mala cama toalha chave andar barulho".split(),
    "spanish": "habitación reserva desayuno aparcamiento traslado aeropuerto factura reembolso cancelar salida "
    "contraseña piscina gimnasio cita receta análisis sangre seguro recibo fiebre clínica enfermera "
    "horario precio noche huésped maleta cama toalla llave planta ruido".split(),
}


def synthetic_rows(count, tenant_id, project_id, source_id, first_id, rng):
    """COPY rows for `count` chunks: 40 random words of one language each."""
    languages = list(WORDS)
    out = io.StringIO()
    now = "2026-12-01 00:00:00+00"
    for n in range(count):
        language = languages[n % 3]
        text = " ".join(rng.choices(WORDS[language], k=40))
        conversation = first_id + n // 3
        fields = (
            tenant_id, project_id, source_id, conversation, f"[{first_id + n}]", first_id + n, text,
            f"{n:064x}", "f", language, "ready", "", 1, now, now, now,
        )  # fmt: skip
        out.write("\t".join(str(value) for value in fields) + "\n")
    out.seek(0)
    return out


CHUNK_COLUMNS = (
    "tenant_id, project_id, source_id, conversation_id, message_ids, first_message_id, text, content_hash, "
    "has_private, language, embedding_status, embedding_error, embedding_attempts, embedded_at, created_at, updated_at"
)


def load_chunks(source, count, rng, first_id):
    from django.db import connection

    with connection.cursor() as cursor, cursor.copy(f"COPY knowledge_chunk ({CHUNK_COLUMNS}) FROM STDIN") as copy:
        block = 50_000
        for start in range(0, count, block):
            size = min(block, count - start)
            copy.write(
                synthetic_rows(size, source.tenant_id, source.project_id, source.pk, first_id + start, rng).read()
            )


def load_vectors(project, dims, model, rng):
    """Random unit vectors for every chunk of `project` (the measured projects only)."""
    import numpy as np
    from django.db import connection

    from apps.knowledge.models import Chunk

    ids = list(Chunk.objects.filter(project=project).order_by("pk").values_list("pk", flat=True))
    generator = np.random.default_rng(rng.randrange(1 << 30))
    with connection.cursor() as cursor:
        with cursor.copy("COPY knowledge_chunkvector (chunk_id, project_id, model, dims, vector) FROM STDIN") as copy:
            for start in range(0, len(ids), 20_000):
                block = ids[start : start + 20_000]
                matrix = generator.standard_normal((len(block), dims)).astype(np.float32)
                matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
                for chunk_id, vector in zip(block, matrix, strict=True):
                    copy.write_row((chunk_id, project.pk, model, dims, vector.tobytes()))
    return len(ids)


def build_corpus(big, others, keep):
    """The measured projects (10,000 and `big` chunks) and `others` chunks over other projects."""
    from django.db import connection

    from apps.knowledge.embeddings import get_embedder
    from apps.knowledge.models import Chunk, Project

    sizes = {"bench-10k": 10_000, f"bench-{big // 1000}k": big}
    if keep and all(Chunk.objects.filter(project__slug=slug).count() == size for slug, size in sizes.items()):
        return {slug: Project.objects.get(slug=slug) for slug in sizes}
    rng, embedder = random.Random(7), get_embedder()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE knowledge_chunkvector, knowledge_chunk")
    first_id = 1
    for n in range(OTHER_PROJECTS):
        load_chunks(source_for(f"other-{n}", "bench-others"), others // OTHER_PROJECTS, rng, first_id)
        first_id += others // OTHER_PROJECTS
    projects = {}
    for slug, size in sizes.items():
        source = source_for(slug, "bench-search")
        load_chunks(source, size, rng, first_id)
        first_id += size
        load_vectors(source.project, embedder.dims, embedder.model, rng)
        projects[slug] = source.project
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE knowledge_chunk")
        cursor.execute("VACUUM ANALYZE knowledge_chunkvector")
    print(f"loaded {Chunk.objects.count():,} chunks in {time.perf_counter() - started:.0f} s")
    return projects


def run_search(big=100_000, others=1_000_000, keep=False, runs=3):
    from apps.knowledge import evaluation, search
    from apps.knowledge.models import Chunk

    projects = build_corpus(big, others, keep)
    queries = [query["q"] for query in evaluation.load_set()["queries"]]
    search.embedder().embed_query("warm up the model")
    some_chunk = Chunk.objects.order_by("pk").values_list("pk", flat=True)[others // 2]
    report = {"chunks_in_table": Chunk.objects.count(), "sizes": {}}
    for slug, project in projects.items():
        search.forget_cache()
        first = timed_ms(lambda p=project: search.search(p, "late checkout price"))
        fresh = [timed_ms(lambda p=project, q=q: search.search(p, q)) for q in queries]
        cached = [timed_ms(lambda p=project, q=q: search.search(p, q)) for q in queries * runs]
        baseline = [
            timed_ms(lambda: list(Chunk.objects.filter(pk=some_chunk).values_list("pk", "text"))) for _ in queries
        ]
        entry, model = search.project_matrix(project)
        vector = search.query_vector(model, queries[0])
        scan = [timed_ms(lambda m=entry.matrix, v=vector: m @ v) for _ in queries]
        report["sizes"][slug] = row = {
            "chunks": Chunk.objects.filter(project=project).count(),
            "first_query_ms": round(first, 1),
            "p50_ms": round(statistics.median(fresh), 1),
            "p95_ms": round(percentile(fresh, 0.95), 1),
            "p95_cached_query_ms": round(percentile(cached, 0.95), 1),
            "pk_fetch_p50_ms": round(statistics.median(baseline), 2),
            "bare_matrix_product_p50_ms": round(statistics.median(scan), 1),
        }
        row["p95_to_pk_fetch"] = round(row["p95_ms"] / max(row["pk_fetch_p50_ms"], 0.01), 1)
    print(f"\n== search: {report['chunks_in_table']:,} chunks in the table ==")
    for slug, row in report["sizes"].items():
        print(f"   {slug}: {json.dumps(row)}")
    return report


def two_pass_agreement(count=6000):
    """How much of the exact top 10 / top 50 the first pass of a big project keeps, on real
    embeddings: `count` texts of 2-4 sentences drawn from the evaluation and demo corpora, embedded
    by the default model, the evaluation set's queries, first-pass shares of 1 %, 2.5 % and 5 %."""
    import re

    import numpy as np

    from apps.knowledge import evaluation, search

    data = evaluation.load_set()
    demo = json.loads((ROOT / "apps" / "knowledge" / "demo_corpus.json").read_text())
    texts = [turn[1] for c in data["conversations"] for turn in c["messages"]] + list(contents(demo))
    sentences = [part for text in texts for part in re.split(r"(?<=[.!?])\s+", text) if len(part) > 15]
    rng, embedder = random.Random(3), search.embedder()
    passages = [" ".join(rng.sample(sentences, rng.randint(2, 4))) for _ in range(count)]
    matrix = np.vstack([embedder.embed_passages(passages[i : i + 128]) for i in range(0, count, 128)])
    _, eigenvectors = np.linalg.eigh(matrix.T @ matrix)
    basis = np.ascontiguousarray(eigenvectors[:, ::-1][:, : search.REDUCED_DIMS], dtype=np.float32)
    reduced = matrix @ basis
    print(f"\n== two-pass agreement: {count} real embeddings from {len(sentences)} sentences ==")
    for share in (0.01, 0.025, 0.05):
        keep, kept10, kept50 = max(50, int(count * share)), 0, 0
        for query in data["queries"]:
            vector = embedder.embed_query(query["q"])
            exact = np.argsort(-(matrix @ vector))
            first = set(np.argsort(-(reduced @ (vector @ basis)))[:keep].tolist())
            kept10 += len(first & set(exact[:10].tolist()))
            kept50 += len(first & set(exact[:50].tolist()))
        n = len(data["queries"])
        print(
            f"   first pass keeps {share:.1%}: exact top 10 kept {kept10 / (10 * n):.3f}, "
            f"top 50 {kept50 / (50 * n):.3f}"
        )


def contents(value):
    """Every "content" string in the demo corpus, however it nests."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "content" and isinstance(item, str):
                yield item
            else:
                yield from contents(item)
    elif isinstance(value, list):
        for item in value:
            yield from contents(item)


SECTIONS = {"eval": run_eval, "search": run_search}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(SECTIONS))
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--others", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="reuse the synthetic chunks of a previous run")
    args = parser.parse_args()
    prepare_database()
    if args.only in (None, "eval"):
        run_eval()
    if args.only in (None, "search"):
        run_search(args.big, args.others, args.keep)
        two_pass_agreement()


if __name__ == "__main__":
    main()
