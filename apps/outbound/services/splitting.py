"""A text longer than one message takes, as several messages: cut at the last paragraph break that
fits, else the last line break, sentence end or space; a part is cut mid-word only when it has no
space at all. A boundary in the first half of the room is passed over for a finer one further on,
so no part comes out a few words long."""

import re

BOUNDARIES = (
    re.compile(r"\n[ \t]*\n\s*"),
    re.compile(r"\n\s*"),
    re.compile(r"(?<=[.!?…。！？])\s+"),
    re.compile(r"\s+"),
)


def split(text, limit) -> list[str]:
    """The parts of `text`, in order, none longer than `limit` characters and none empty."""
    parts, rest = [], (text or "").strip()
    while len(rest) > limit:
        cut = _cut(rest, limit)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return [*parts, rest] if rest else parts


def _cut(text, limit) -> int:
    room = text[: limit + 1]  # a space right after the room still ends a part that fills it
    for boundary in BOUNDARIES:
        starts = [match.start() for match in boundary.finditer(room) if limit // 2 <= match.start() <= limit]
        if starts:
            return starts[-1]
    return limit
