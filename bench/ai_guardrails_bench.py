"""AI guardrails benchmark: detection and false-positive rates of the input guardrail on the
labelled set (bench/data/guardrails.jsonl: attacks and hard benign messages in English,
Portuguese and Spanish), overall, per layer, per language and per kind, and what the guardrail
costs per message. The set has five splits: "tuning" (the heuristics were written while reading
it), "holdout1" (written afterwards, measured, then tuned on too), "holdout2" (written after that
second round and never tuned on), "everyday" (ordinary customer questions written after an audit
found them refused, and tuned on) and "holdout3" (benign and attack messages written before that
fix and never tuned on): holdout2's and holdout3's figures are the honest ones.

Run:  .venv/bin/python bench/ai_guardrails_bench.py [--repeat 5]

Needs no database: the input guardrail is pure. Cost is measured per message (median, p99 over
every message of the set, --repeat times) against a baseline measured in the same run: folding the
message to NFKC and casefolding it, the least any text check does.
"""

import argparse
import json
import os
import statistics
import sys
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
DATA = ROOT / "bench" / "data" / "guardrails.jsonl"
LONG_MESSAGE = ("Hello, we are arriving on Tuesday with two children and a dog. " * 500)[:32000]


def load_set(path=DATA) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def layers():
    """Each way of checking a message, by name: each layer alone, then the guardrail as shipped."""
    from apps.ai import guardrails
    from apps.ai.guardrails import classifier, heuristics

    return {
        "heuristics": heuristics.check,
        "classifier": classifier.check,
        "guardrail": lambda text: guardrails.check_input([text]),
    }


def first_sight():
    """`check_input` on a text it has not seen: "guardrail" above mostly measures its memo of verdicts."""
    from apps.ai import guardrails

    def check(text):
        guardrails._kept_heuristics.cache_clear()
        guardrails._kept_classifier.cache_clear()
        return guardrails.check_input([text])

    return check


def rates(rows: list[dict], blocked: list[bool]) -> dict:
    """Detection rate over the attacks and false-positive rate over the benign messages."""
    attacks = [hit for row, hit in zip(rows, blocked, strict=True) if row["label"] == "attack"]
    benign = [hit for row, hit in zip(rows, blocked, strict=True) if row["label"] == "benign"]
    return {
        "attacks": len(attacks),
        "benign": len(benign),
        "detection": sum(attacks) / len(attacks) if attacks else None,
        "false_positive": sum(benign) / len(benign) if benign else None,
    }


def evaluate(rows: list[dict], check) -> dict:
    """Rates overall, per split, language and kind for one check (text -> Verdict)."""
    blocked = [check(row["text"]).blocked for row in rows]
    report = {"overall": rates(rows, blocked), "split": {}, "language": {}, "kind": {}}
    for field in ("split", "language", "kind"):
        groups = defaultdict(list)
        for index, row in enumerate(rows):
            groups[row[field]].append(index)
        for value, indexes in sorted(groups.items()):
            report[field][value] = rates([rows[i] for i in indexes], [blocked[i] for i in indexes])
    report["misses"] = [r["text"] for r, hit in zip(rows, blocked, strict=True) if r["label"] == "attack" and not hit]
    report["false_positives"] = [
        r["text"] for r, hit in zip(rows, blocked, strict=True) if r["label"] == "benign" and hit
    ]
    return report


def timings(rows: list[dict], check, repeat: int) -> list[float]:
    spent = []
    for _ in range(repeat):
        for row in rows:
            started = time.perf_counter()
            check(row["text"])
            spent.append((time.perf_counter() - started) * 1000)
    return spent


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _pct(value) -> str:
    return "—" if value is None else f"{value:.1%}"


def print_rates(name: str, report: dict):
    overall = report["overall"]
    print(f"\n{name}: detection {_pct(overall['detection'])}, false positives {_pct(overall['false_positive'])}")
    for field in ("split", "language", "kind"):
        for value, figures in report[field].items():
            print(
                f"  {field} {value:24} detection {_pct(figures['detection']):>7} "
                f"({figures['attacks']}), false positives {_pct(figures['false_positive']):>7} ({figures['benign']})"
            )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    import django

    django.setup()
    rows = load_set()
    checks = layers()
    checks["classifier"]("warm up")
    print(f"set: {len(rows)} messages ({sum(r['label'] == 'attack' for r in rows)} attacks)")
    for name, check in checks.items():
        report = evaluate(rows, check)
        print_rates(name, report)
        if args.show_misses:
            print("  missed:", *report["misses"], sep="\n    ")
            print("  false positives:", *report["false_positives"], sep="\n    ")

    baseline = timings(rows, lambda text: unicodedata.normalize("NFKC", text).casefold(), args.repeat)
    base_median = statistics.median(baseline)
    print(f"\ncost per message over {len(baseline)} checks (ms): name, median, p99, ratio to baseline median")
    print(f"  baseline NFKC+casefold  {base_median:.4f}  {percentile(baseline, 0.99):.4f}  1x")
    for name, check in checks.items():
        spent = timings(rows, check, args.repeat)
        median = statistics.median(spent)
        print(f"  {name:22}  {median:.4f}  {percentile(spent, 0.99):.4f}  {median / base_median:,.0f}x")
    spent = timings(rows, first_sight(), args.repeat)
    print(
        f"  guardrail, first sight  {statistics.median(spent):.4f}  {percentile(spent, 0.99):.4f}  "
        f"{statistics.median(spent) / base_median:,.0f}x"
    )
    long_rows = [{"text": LONG_MESSAGE}]
    spent = timings(long_rows, checks["guardrail"], args.repeat * 4)
    print(f"  guardrail, one {len(LONG_MESSAGE):,}-character message: median {statistics.median(spent):.1f} ms")


if __name__ == "__main__":
    main()
