"""The one JSON loader for bodies from outside (webhooks, the API, admin JSON fields).

`json.loads` accepts input PostgreSQL refuses to store or that crashes the code after it: `\\u0000`
(jsonb and text refuse NUL), unpaired surrogates (`\\ud800`, not UTF-8), `1e999` and `NaN` (they
parse to Infinity/NaN, which are not JSON), and nesting deep enough to raise RecursionError in the
parser itself or in anything that walks the result. A sender that gets a 5xx for such a body
retries it for days, so `loads` refuses each with a `BadJSON` that names where the problem is,
and the caller answers 4xx. Depth and content are checked without recursion."""

import json
import math
import re

from django.conf import settings

_FORBIDDEN_CHARS = re.compile("[\x00\ud800-\udfff]")
_SUSPECT_ESCAPES = re.compile(r"\\u(?:0000|d[89a-f])", re.I)
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},:]', re.S)
_SHOWN_SEGMENTS = 8


class BadJSON(ValueError):
    """A body that is not JSON PostgreSQL can store; `path` leads to the offending value."""

    def __init__(self, code, problem, path=()):
        self.code, self.problem, self.path = code, problem, tuple(path)
        super().__init__(self.describe())

    def describe(self, list_name="") -> str:
        """`events[1].meta: …` when the body is a list and `list_name` is "events"."""
        where = path_text(self.path, list_name)
        return f"{where}: {self.problem}" if where else self.problem


class _NonFinite:
    def __init__(self, text):
        self.text = text


def path_text(path, list_name="") -> str:
    text = "".join(f"[{part}]" if isinstance(part, int) else f".{_key_text(part)}" for part in path[:_SHOWN_SEGMENTS])
    text = (list_name + text) if text.startswith("[") else text.lstrip(".")
    return text + ("…" if len(path) > _SHOWN_SEGMENTS else "")


def _key_text(key) -> str:
    return json.dumps(key[:40])[1:-1]


def max_depth() -> int:
    return settings.JSON_MAX_DEPTH


def loads(data, depth=None):
    """Parses `data` (bytes or str) or raises `BadJSON`."""
    depth = depth or max_depth()
    text = _text(data)
    non_finite = []
    try:
        value = json.loads(
            text,
            parse_float=lambda number: _float(number, non_finite),
            parse_constant=lambda name: _float(name, non_finite),
        )
    except RecursionError:
        raise BadJSON("too_deep", _too_deep(depth), _deep_path(text, depth)) from None
    except ValueError as exc:
        raise BadJSON("invalid_json", f"not valid JSON: {exc}") from None
    if non_finite or _suspect(text) or _nests_deeper(value, depth):
        check(value, depth)
    return value


def _suspect(text) -> bool:
    return bool(_FORBIDDEN_CHARS.search(text) or _SUSPECT_ESCAPES.search(text))


def _text(data) -> str:
    if isinstance(data, str):
        return data
    try:
        return bytes(data).decode(json.detect_encoding(data))
    except (UnicodeDecodeError, LookupError) as exc:
        raise BadJSON("invalid_json", f"not valid JSON: the body is not UTF-8 ({exc.__class__.__name__})") from None


def _float(text, non_finite):
    value = float(text)
    if math.isfinite(value):
        return value
    non_finite.append(text)
    return _NonFinite(text)


def _nests_deeper(value, depth) -> bool:
    """The quick test, level by level over containers only; `check` then finds where."""
    level, current = 1, [value] if isinstance(value, (dict, list)) else []
    while current:
        if level > depth:
            return True
        children = (item.values() if isinstance(item, dict) else item for item in current)
        current, level = [child for group in children for child in group if isinstance(child, (dict, list))], level + 1
    return False


def _too_deep(depth) -> str:
    return f"nested deeper than {depth} levels (objects and lists inside each other); flatten it"


def check(value, depth=None):
    """Refuses what PostgreSQL cannot store in an already parsed value: walks it with a stack."""
    depth = depth or max_depth()
    stack = [(value, 0, None)]
    while stack:
        item, level, trail = stack.pop()
        _check_one(item, level, trail, depth)
        stack.extend(_children(item, level, trail))


def _check_one(item, level, trail, depth):
    if isinstance(item, (dict, list)) and level >= depth:
        raise BadJSON("too_deep", _too_deep(depth), _unwind(trail))
    if isinstance(item, _NonFinite):
        raise BadJSON(
            "non_finite_number", f"{item.text} is not a finite number (JSON has no Infinity or NaN)", _unwind(trail)
        )
    if isinstance(item, str):
        _check_text(item, trail)


def _children(item, level, trail):
    if isinstance(item, dict):
        for key, child in item.items():
            _check_text(key, (trail, key))
            yield child, level + 1, (trail, key)
    elif isinstance(item, list):
        for index, child in enumerate(item):
            yield child, level + 1, (trail, index)


def _check_text(text, trail):
    found = _FORBIDDEN_CHARS.search(text)
    if found is None:
        return
    if found.group() == "\x00":
        raise BadJSON("nul_character", "contains a NUL character (\\u0000), which cannot be stored", _unwind(trail))
    raise BadJSON(
        "unpaired_surrogate",
        "contains an unpaired UTF-16 surrogate (\\ud800-\\udfff), which is not text",
        _unwind(trail),
    )


def _unwind(trail) -> list:
    path = []
    while trail is not None:
        trail, part = trail
        path.append(part)
    return path[::-1]


def _deep_path(text, depth) -> list:
    """Where nesting passes `depth`, found by a token scan (the parser gave up with RecursionError)."""
    stack, last_string = [], ""
    for token in _TOKEN.finditer(text):
        token = token.group()
        if token in "[{":
            if len(stack) >= depth:
                return [part for _, part in stack]
            stack.append(["[", 0] if token == "[" else ["{", ""])
        elif token in "]}" and stack:
            stack.pop()
        elif token == "," and stack and stack[-1][0] == "[":
            stack[-1][1] += 1
        elif token == ":" and stack:
            stack[-1][1] = _string(last_string)
        elif token.startswith('"'):
            last_string = token
    return []


def _string(token) -> str:
    try:
        return json.loads(token)
    except ValueError:
        return token.strip('"')
