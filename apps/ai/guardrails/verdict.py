"""What a guardrail decided about one text: pass, or blocked by a named rule of a layer."""

from dataclasses import asdict, dataclass, replace
from typing import ClassVar

HEURISTIC = "heuristic"
CLASSIFIER = "classifier"


@dataclass(frozen=True)
class Verdict:
    blocked: bool = False
    rule: str = ""
    detail: str = ""
    layer: str = ""
    elapsed_ms: float = 0.0

    PASS: ClassVar["Verdict"]

    def as_json(self) -> dict:
        return {**asdict(self), "elapsed_ms": round(self.elapsed_ms, 3)}

    def timed(self, elapsed_ms: float) -> "Verdict":
        return replace(self, elapsed_ms=elapsed_ms)

    def __bool__(self):
        """True when the text may go on (not blocked), so `if check_input(texts):` reads naturally."""
        return not self.blocked


Verdict.PASS = Verdict()


def block(rule: str, detail: str, layer: str = HEURISTIC) -> Verdict:
    return Verdict(blocked=True, rule=rule, detail=detail[:300], layer=layer)
