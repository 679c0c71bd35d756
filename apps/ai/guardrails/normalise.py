"""Text in one comparable form before any rule reads it, and the decoded forms an attacker may
hide an instruction in (base64, hex, rot13, leetspeak, letters spaced apart).

Zero-width and other format characters are dropped, compatibility forms folded (NFKC: full-width
letters, ligatures), case folded and accents stripped, so "ＩＧＮＯＲＥ", "i\u200bgnore" and
"instruções" reach the rules as "ignore" and "instrucoes"."""

import base64
import binascii
import codecs
import re
import unicodedata

MAX_DECODED = 4096
MAX_BLOBS = 8
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
_HEX = re.compile(r"(?:[0-9a-fA-F]{2}[\s:]?){8,}")
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[a-z]+")
COMMON_WORDS = frozenset(
    "the and you your to is are of for my what can it this that with me be please a an in on at we i "
    "que de para el la los las o os um uma una un voce tu eu yo por como no nao se do da del em en mi meu e y".split()
)
_WIDE_GAP = re.compile(r"\s{2,}|\s*/\s*")
_SPACED_LETTERS = re.compile(r"\b(?:\w[\s._*-]){2,}\w\b")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
_LEET_L = str.maketrans({"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
_LEET_WORD = re.compile(r"\b\w*[a-z][0134578@$!]+\w*\b|\b[0134578@$!]+[a-z]\w*\b")


def normalise(text: str) -> str:
    """NFKC, no format characters (zero-width and the like), casefolded, accents stripped, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(char for char in text if unicodedata.category(char) != "Cf")
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _SPACES.sub(" ", text).strip()


def readable(text: str) -> str:
    """The text without format characters, in NFKC, case and accents kept (what the classifier reads)."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(char for char in text if unicodedata.category(char) != "Cf")


def decoded_forms(text: str) -> list[tuple[str, str]]:
    """(encoding, normalised decoded text) for every hidden form of `text` worth re-checking."""
    forms = [(name, normalise(decoded)) for name, decoded in _blobs(text)]
    clean = normalise(text)
    if not reads_as_words(clean):
        forms.append(("rot13", normalise(codecs.decode(text, "rot13"))))
    if _LEET_WORD.search(clean):
        forms.append(("leetspeak", clean.translate(_LEET)))
        forms.append(("leetspeak", clean.translate(_LEET_L)))
    if _SPACED_LETTERS.search(clean):
        forms.append(("spaced letters", joined_letters(text)))
    return forms


def reads_as_words(normalised: str) -> bool:
    """At least a third of the words are common English, Portuguese or Spanish words: plain text, not rot13."""
    words = _WORD.findall(normalised)
    return len(words) >= 6 and sum(word in COMMON_WORDS for word in words) * 3 >= len(words)


def joined_letters(text: str) -> str:
    """ "i g n o r e  a l l" as "ignore all": single separators between letters go, wider gaps stay spaces."""
    folded = normalise(_WIDE_GAP.sub(" \x00 ", text))
    joined = _SPACED_LETTERS.sub(lambda match: re.sub(r"[\s._*-]", "", match.group(0)), folded)
    return _SPACES.sub(" ", joined.replace("\x00", " ")).strip()


def _blobs(text: str) -> list[tuple[str, str]]:
    found = []
    for match in _BASE64.finditer(text):
        found.append(("base64", _from_base64(match.group(0))))
    for match in _HEX.finditer(text):
        found.append(("hex", _from_hex(match.group(0))))
    return [(name, decoded) for name, decoded in found if decoded][:MAX_BLOBS]


def _from_base64(blob: str) -> str:
    padded = blob + "=" * (-len(blob) % 4)
    try:
        raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        return ""
    return _as_text(raw[:MAX_DECODED])


def _from_hex(blob: str) -> str:
    digits = re.sub(r"[\s:]", "", blob)
    try:
        raw = bytes.fromhex(digits[: len(digits) - len(digits) % 2])
    except ValueError:
        return ""
    return _as_text(raw[:MAX_DECODED])


def _as_text(raw: bytes) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return ""
    letters = sum(char.isalpha() or char.isspace() for char in text)
    return text if len(text) >= 6 and letters / len(text) > 0.8 else ""
