"""The second layer: SecureVector Guardian, a TF-IDF + logistic-regression model that ships in its
wheel (securevector-guardian-model, Apache-2.0) and runs in pure Python on the CPU.

It is loaded from the wheel's own bundle, SHA-256 checked, never through the package's resolver
(which would fall back to downloading the latest release from GitHub). `is_threat` is its
verdict; its windowing and base64/hex decoding are the package's own (`serve.analyze`)."""

from functools import cache

from .normalise import readable
from .verdict import CLASSIFIER, Verdict, block

MAX_CHARS = 20_000


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


def analyse(text: str) -> dict:
    from svguardian.serve import analyze

    return analyze(readable(text)[:MAX_CHARS], guardian())


def check(text: str) -> Verdict:
    result = analyse(text)
    if not result["is_threat"]:
        return Verdict.PASS
    return block("classifier", f"{result['threat_type']} (risk {result['risk_score']})", layer=CLASSIFIER)
