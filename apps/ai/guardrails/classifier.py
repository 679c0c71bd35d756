"""The second layer: SecureVector Guardian, a TF-IDF + logistic-regression model that ships in its
wheel (securevector-guardian-model, Apache-2.0) and runs in pure Python on the CPU.

It is loaded from the wheel's own bundle, SHA-256 checked, never through the package's resolver
(which would fall back to downloading the latest release from GitHub). `is_threat` is its
verdict; its windowing and base64/hex decoding are the package's own (`serve.analyze`).

The model was trained on English. On Portuguese and Spanish its scores of harmless and hostile
messages overlap (on our labelled set harmless messages reached risk 82, while attacks it caught
scored 81-91), so a message that does not read as English must also reach `OTHER_LANGUAGE_MIN_RISK`
to be blocked; the heuristics cover those languages."""

import re
import time
from functools import cache

from . import heuristics
from .normalise import normalise, readable
from .verdict import CLASSIFIER, Verdict, block

OTHER_LANGUAGE_MIN_RISK = 85
_ENGLISH = frozenset("the and you your to is are of for my what can i it this that with me be please".split())
_IBERIAN = frozenset(
    "que de para el la los las o os um uma una un voce tu eu yo por como no nao se do da del em en mi meu".split()
)
_WORDS = re.compile(r"[a-z]+")


class ClassifierUnavailable(RuntimeError):
    pass


@cache
def guardian():
    from svguardian._runtime import bundled_path
    from svguardian.model.pure_infer import PureGuardian

    path = bundled_path()
    if path is None:
        raise ClassifierUnavailable("securevector-guardian-model is installed without its model bundle.")
    return PureGuardian.load(path, verify=True)


def warm() -> float:
    """Loads the model and runs it once (~0.2-0.5 s), so a process's first customer message does not
    wait for it; seconds taken. Called where a web or worker process starts (config/wsgi.py, Celery's
    `worker_process_init`), never at Django's app loading, which every manage.py command pays."""
    started = time.perf_counter()
    analyse("Is breakfast included?")
    return time.perf_counter() - started


def analyse(text: str) -> dict:
    from svguardian.serve import analyze

    return analyze(heuristics.bounded(readable(text)), guardian())


def check(text: str) -> Verdict:
    result = analyse(text)
    if not result["is_threat"]:
        return Verdict.PASS
    if result["risk_score"] < OTHER_LANGUAGE_MIN_RISK and not reads_as_english(text):
        return Verdict.PASS
    return block("classifier", f"{result['threat_type']} (risk {result['risk_score']})", layer=CLASSIFIER)


def reads_as_english(text: str) -> bool:
    """More common English words than common Portuguese/Spanish ones (ties count as English)."""
    words = _WORDS.findall(normalise(text))
    return sum(word in _ENGLISH for word in words) >= sum(word in _IBERIAN for word in words)
