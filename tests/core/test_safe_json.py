"""The one JSON loader for bodies from outside: what PostgreSQL cannot store, or what nests deep
enough to crash the code after it, is refused with a code and the path to the problem."""

import json

import pytest

from apps.core import safe_json


def refusal(data, list_name=""):
    with pytest.raises(safe_json.BadJSON) as caught:
        safe_json.loads(data)
    return caught.value.code, caught.value.describe(list_name)


def nested(levels, leaf="1"):
    return '{"a": ' * levels + leaf + "}" * levels


@pytest.mark.parametrize(
    "body, code, where",
    [
        (b'{"text": {"body": "hi\\u0000there"}}', "nul_character", "text.body"),
        (b'{"key\\u0000": 1}', "nul_character", "key\\u0000"),
        (b'{"a": "\\ud800"}', "unpaired_surrogate", "a"),
        (b'[1, {"meta": {"v": 1e999}}]', "non_finite_number", "events[1].meta.v"),
        (b'{"v": -1E400}', "non_finite_number", "v"),
        (b'{"v": NaN}', "non_finite_number", "v"),
        (b'{"v": Infinity}', "non_finite_number", "v"),
        (b'{"a": ', "invalid_json", ""),
        (b"\xff\xfe\x00\xd8", "invalid_json", ""),
    ],
)
def test_poison_is_refused_naming_where(body, code, where):
    found_code, text = refusal(body, "events")
    assert found_code == code
    assert text.startswith(f"{where}: " if where else "not valid JSON")


def test_nesting_past_the_limit_is_refused_below_and_above_the_recursion_limit(settings):
    settings.JSON_MAX_DEPTH = 32
    assert safe_json.loads(nested(31))
    for levels in (33, 900, 50_000):
        code, text = refusal(nested(levels))
        assert code == "too_deep" and "deeper than 32 levels" in text and text.startswith("a.a.a.a.a.a.a.a…")


def test_fifty_thousand_nested_lists_in_a_batch_name_the_item(settings):
    settings.JSON_MAX_DEPTH = 32
    body = '[{"code": "X"}, {"meta": ' + "[" * 50_000 + "]" * 50_000 + "}]"
    code, text = refusal(body, "events")
    assert code == "too_deep" and text.startswith("events[1].meta[0][0][0][0][0][0]…")


def test_ordinary_bodies_pass_unchanged():
    body = {
        "entry": [{"changes": [{"value": {"text": "Grüße 👋", "n": 3, "f": 1.5, "ok": None}}]}],
        "escaped": "\\u0000 is six characters here",
        "emoji": "😀",
    }
    assert safe_json.loads(json.dumps(body).encode()) == body
    assert safe_json.loads(json.dumps(body, ensure_ascii=False)) == body
    assert safe_json.loads(b'{"pair": "\\ud83d\\ude00"}') == {"pair": "😀"}
