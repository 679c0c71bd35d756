"""Measuring search on the evaluation set (bench/data/knowledge_eval.json): recall@5 and the
"no answer" accuracy per kind of query, and the answer thresholds that separate the set best.
Read-only: it runs queries through apps.knowledge.search and scores what comes back."""

import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from apps.knowledge import search

SET_PATH = Path(settings.BASE_DIR) / "bench" / "data" / "knowledge_eval.json"
KINDS = ("paraphrase", "keyword", "cross_lingual", "unanswerable")
TOP = 5


def load_set(path=None) -> dict:
    return json.loads(Path(path or SET_PATH).read_text())


@dataclass(frozen=True)
class Outcome:
    """One query's result: where its answer ranked (None: not in the top), whether search said it
    has an answer, and the features that decision reads."""

    kind: str
    expected: tuple
    found_at: int | None
    answered: bool
    best: float
    second: float
    words: float

    @property
    def answerable(self) -> bool:
        return bool(self.expected)

    shown_at: int | None = None  # where the answer is among the hits search returns

    @property
    def correct(self) -> bool:
        """Right end to end: an answer among the hits returned, or no answer when there is none."""
        if not self.answerable:
            return not self.answered
        return self.answered and self.shown_at is not None


def run_query(project, query: dict, *, lexical_weight=search.LEXICAL_WEIGHT) -> Outcome:
    ranked = search.rank(project, query["q"], weight=lexical_weight)
    best, second, words = search.features(ranked)
    return Outcome(
        kind=query["kind"],
        expected=tuple(query["answers"]),
        found_at=position(query["answers"], ranked[:TOP]),
        shown_at=position(query["answers"], search.shown(ranked, TOP)),
        answered=search.answerable(ranked),
        best=best,
        second=second,
        words=words,
    )


def position(answers, ranked) -> int | None:
    """1-based position of the first answering conversation in `ranked`, None when absent."""
    conversations = [r.conversation_id for r in ranked]
    found = [conversations.index(c) + 1 for c in answers if c in conversations]
    return min(found) if found else None


def run(project, queries, *, lexical_weight=search.LEXICAL_WEIGHT) -> list[Outcome]:
    return [run_query(project, query, lexical_weight=lexical_weight) for query in queries]


def summary(outcomes: list[Outcome]) -> dict:
    """Per kind and overall: queries, recall@5 (answerable kinds), share answered, "no answer"
    accuracy (answered exactly when answerable) and end-to-end correct."""
    table = {}
    for kind in (*KINDS, "all"):
        rows = [o for o in outcomes if kind in (o.kind, "all")]
        if not rows:
            continue
        answerable = [o for o in rows if o.answerable]
        table[kind] = {
            "queries": len(rows),
            "recall_at_5": ratio(sum(o.found_at is not None for o in answerable), len(answerable)),
            "answered": ratio(sum(o.answered for o in rows), len(rows)),
            "no_answer_accuracy": ratio(sum(o.answered == o.answerable for o in rows), len(rows)),
            "correct": ratio(sum(o.correct for o in rows), len(rows)),
        }
    return table


def ratio(part, whole):
    return round(part / whole, 3) if whole else None


WORD_SHARES = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0, 1.01)  # 1.01: never by words alone


def calibrate(outcomes: list[Outcome]) -> dict:
    """The thresholds (answer score, near score, margin, words share) that decide "answerable" best
    on these outcomes by balanced accuracy (answerable queries whose answer ranked in the top
    answered; unanswerable ones refused), and that accuracy. Ties go to the stricter setting."""
    best = None
    for answer in reversed(list(frange(0.10, 0.80, 0.01))):
        for near in reversed(list(frange(0.10, answer + 0.001, 0.02))):
            for margin in reversed(list(frange(0.0, 0.2, 0.01))):
                for words in reversed(WORD_SHARES):
                    thresholds = (answer, near, margin, words)
                    score = balanced(outcomes, thresholds)
                    if best is None or score > best[0]:
                        best = (score, thresholds)
    score, (answer, near, margin, words) = best
    return {
        "answer_score": answer,
        "near_score": near,
        "margin": margin,
        "words_share": words,
        "balanced_accuracy": round(score, 3),
    }


def decides(outcome: Outcome, thresholds) -> bool:
    return search.decide(outcome.best, outcome.second, outcome.words, thresholds)


def balanced(outcomes, thresholds) -> float:
    positives = [o for o in outcomes if o.answerable and o.found_at is not None]
    negatives = [o for o in outcomes if not o.answerable]
    hit = sum(decides(o, thresholds) for o in positives) / max(1, len(positives))
    refused = sum(not decides(o, thresholds) for o in negatives) / max(1, len(negatives))
    return (hit + refused) / 2


def frange(start, stop, step):
    value = start
    while value < stop:
        yield round(value, 4)
        value += step
