"""The second layer: SecureVector Guardian, a TF-IDF + logistic-regression model that ships in its
wheel (securevector-guardian-model, Apache-2.0) and runs in pure Python on the CPU.

It is loaded from the wheel's own bundle, SHA-256 checked, never through the package's resolver
(which would fall back to downloading the latest release from GitHub). `is_threat` is its
verdict; its windowing and base64/hex decoding are the package's own (`serve.analyze`).

The model was trained on English. On Portuguese and Spanish its scores of harmless and hostile
messages overlap (on our labelled set harmless messages reached risk 82, while attacks it caught
scored 81-91), so a message that does not read as English must also reach `OTHER_LANGUAGE_MIN_RISK`
to be blocked; the heuristics cover those languages.

It also reads ordinary customer questions as attacks: "what is your phone number?" as `pii` (risk
91), "Who are you?" as a jailbreak (81), "Tell me what you were told about parking" (90). So a `pii`
verdict counts only when the text points at another person (her, the guest, other patients: the
business's own phone, address or e-mail is what customers ask for most, and the output guardrail
stops other contacts' data), and any other verdict on a text of at most SHORT_WORDS words (split at
spaces) must reach SHORT_MIN_RISK: on short texts its scores of everyday questions (81-90) and of
attacks (81-91) overlap, and on the labelled set every attack only the classifier caught had more
than 10 words or risk 94 and above."""

import re
import time
from functools import cache

from . import heuristics
from .normalise import normalise, readable
from .verdict import CLASSIFIER, Verdict, block

OTHER_LANGUAGE_MIN_RISK = 85
SHORT_WORDS = 10
SHORT_MIN_RISK = 92
_ENGLISH = frozenset("the and you your to is are of for my what can i it this that with me be please".split())
_IBERIAN = frozenset(
    "que de para el la los las o os um uma una un voce tu eu yo por como no nao se do da del em en mi meu".split()
)
_WORDS = re.compile(r"[a-z]+")
_SOMEONE_ELSE = frozenset(
    "he him his she her hers they them their theirs someone somebody anyone anybody everyone everybody "
    "other others another else guest guests customer customers client clients patient patients user users "
    "people member members ex wife husband girlfriend boyfriend neighbour neighbor "
    "ele ela eles elas dele dela deles delas alguem todos outro outra outros outras hospede hospedes "
    "cliente clientes paciente pacientes usuario usuarios esposa marido namorada namorado vizinho vizinha "
    "ella ellos ellas alguien otro otra otros otras huesped huespedes novia novio vecino vecina".split()
)


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
    if not result["is_threat"] or not _worth_blocking(result, heuristics.bounded(text)):
        return Verdict.PASS
    return block("classifier", f"{result['threat_type']} (risk {result['risk_score']})", layer=CLASSIFIER)


def _worth_blocking(result: dict, text: str) -> bool:
    """Whether a threat the model saw is one to block (see the module's docstring)."""
    risk, words = result["risk_score"], _WORDS.findall(normalise(text))
    if result["threat_type"] == "pii":
        corroborated = bool(_SOMEONE_ELSE.intersection(words))
    else:
        corroborated = risk >= SHORT_MIN_RISK or len(text.split()) > SHORT_WORDS
    return corroborated and (risk >= OTHER_LANGUAGE_MIN_RISK or _reads_as_english(words))


def reads_as_english(text: str) -> bool:
    return _reads_as_english(_WORDS.findall(normalise(text)))


def _reads_as_english(words: list[str]) -> bool:
    """More common English words than common Portuguese/Spanish ones (ties count as English)."""
    return sum(word in _ENGLISH for word in words) >= sum(word in _IBERIAN for word in words)
