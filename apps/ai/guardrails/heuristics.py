"""The cheap first layer: named rules over the normalised text and over each decoded form of it.

A rule that matches only after decoding (base64, hex, rot13, leetspeak, spaced letters) is an
"encoded_instruction": a customer has no reason to hide a request to a support bot."""

from .normalise import decoded_forms, normalise
from .patterns import COMPILED
from .verdict import Verdict, block

MAX_CHARS = 16_000


def check(text: str) -> Verdict:
    text = bounded(text)
    plain = match(normalise(text))
    if plain:
        return block(plain[0], f"matched {plain[1]!r}")
    for encoding, decoded in decoded_forms(text):
        hidden = match(decoded)
        if hidden:
            return block("encoded_instruction", f"{hidden[0]} after {encoding} decoding: {hidden[1]!r}")
    return Verdict.PASS


def match(normalised: str) -> tuple[str, str] | None:
    """(rule, matched text) of the first rule that matches, or None."""
    for rule, patterns in COMPILED.items():
        for pattern in patterns:
            found = pattern.search(normalised)
            if found:
                return rule, found.group(0)[:120]
    return None


def bounded(text: str) -> str:
    """A text past MAX_CHARS is read at both ends (padding pushes an instruction to the start or the
    end); the middle of a very long prompt is left to the provider. Reading costs ~7 ms per 1,000
    characters per form (see bench/RESULTS.md), so the bound keeps the worst case near 0.2 s."""
    if len(text) <= MAX_CHARS:
        return text
    half = MAX_CHARS // 2
    return f"{text[:half]}\n{text[-half:]}"
