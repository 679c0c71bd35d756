"""The AI gateway's guardrails: `check_input` on the untrusted texts (the customers' messages, never
the tenant's own system prompt) before a provider is called, `check_output` on the model's answer
before anyone sees it. Both return a `Verdict`; `Verdict.PASS` when nothing matched.

Input runs in layers: the heuristics (named rules over normalised and decoded text, EN/PT/ES) on
every text first, then the offline classifier on each text the heuristics passed. Both are pure
functions of the text (fixed rules, a fixed model), so a process remembers the verdicts of the last
VERDICTS_KEPT texts it checked (up to KEPT_TEXT_CHARS long): a message seen again ("hi", "menu", a
conversation's history, an n8n flow's fixed prompt) skips the classifier's ~0.5 ms of CPU."""

import time
from collections.abc import Sequence
from functools import lru_cache

from . import classifier, heuristics
from .output import check_output as _check_output
from .verdict import Verdict

__all__ = ["Verdict", "check_input", "check_output"]
VERDICTS_KEPT = 2048
KEPT_TEXT_CHARS = 2000


def check_input(texts: Sequence[str]) -> Verdict:
    started = time.perf_counter()
    verdict = _first_blocked(texts)
    return verdict.timed((time.perf_counter() - started) * 1000)


def _first_blocked(texts: Sequence[str]) -> Verdict:
    texts = [text for text in texts if text and text.strip()]
    for layer in (_heuristics, _classifier):
        for text in texts:
            verdict = layer(text)
            if verdict.blocked:
                return verdict
    return Verdict.PASS


def _heuristics(text: str) -> Verdict:
    return _kept_heuristics(text) if len(text) <= KEPT_TEXT_CHARS else heuristics.check(text)


def _classifier(text: str) -> Verdict:
    return _kept_classifier(text) if len(text) <= KEPT_TEXT_CHARS else classifier.check(text)


@lru_cache(maxsize=VERDICTS_KEPT)
def _kept_heuristics(text: str) -> Verdict:
    return heuristics.check(text)


@lru_cache(maxsize=VERDICTS_KEPT)
def _kept_classifier(text: str) -> Verdict:
    return classifier.check(text)


def check_output(text: str, **known) -> Verdict:
    """`known`: what `output.check_output` takes (the system prompt, allowed domains, contact id,
    secrets, the tenant's public details and the contacts lookup)."""
    started = time.perf_counter()
    verdict = _check_output(text or "", **known)
    return verdict.timed((time.perf_counter() - started) * 1000)
