"""The chat completions body is checked like OpenAI checks it: each problem is an `InvalidRequest`
with OpenAI's code and the offending parameter, before anything reaches the gateway."""

import pytest

from apps.ai.validation import InvalidRequest, parse


def user(text="Is breakfast included?"):
    return {"role": "user", "content": text}


def refused(body) -> InvalidRequest:
    with pytest.raises(InvalidRequest) as caught:
        parse(body)
    return caught.value


def test_a_plain_request_is_accepted_as_it_is():
    chat = parse({"model": "gpt-4o-mini", "messages": [{"role": "system", "content": "Be brief."}, user()]})
    assert chat.messages == [{"role": "system", "content": "Be brief."}, user()]
    assert (chat.model, chat.max_tokens, chat.temperature) == ("gpt-4o-mini", None, None)


def test_developer_is_the_system_role_and_text_parts_are_joined():
    chat = parse(
        {
            "messages": [
                {"role": "developer", "content": "Be brief."},
                {"role": "user", "content": [{"type": "text", "text": "Hello"}, {"type": "text", "text": "there"}]},
            ]
        }
    )
    assert chat.messages == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello\nthere"}]


def test_options_are_kept_and_max_completion_tokens_wins():
    chat = parse({"messages": [user()], "max_tokens": 50, "max_completion_tokens": 80, "temperature": 1})
    assert (chat.max_tokens, chat.temperature) == (80, 1.0)


def test_unknown_openai_parameters_are_ignored():
    chat = parse({"messages": [user()], "logprobs": False, "store": False, "stream": False, "n": 1})
    assert (chat.messages, chat.options) == ([user()], None)


def test_sampling_options_n8n_sends_are_kept_for_the_provider():
    options = {
        "top_p": 0.9,
        "frequency_penalty": -0.5,
        "presence_penalty": 1,
        "stop": ["\n\n", "END"],
        "seed": 42,
        "response_format": {"type": "json_object"},
        "user": "guest-7",
    }
    assert parse({"messages": [user()], **options}).options == options


def test_a_json_schema_response_format_is_kept_whole():
    schema = {"type": "json_schema", "json_schema": {"name": "booking", "schema": {"type": "object"}}}
    assert parse({"messages": [user()], "response_format": schema}).options == {"response_format": schema}


@pytest.mark.parametrize(
    "body, code, param",
    [
        ([user()], "invalid_type", None),
        ({}, "missing_required_parameter", "messages"),
        ({"messages": "hello"}, "invalid_type", "messages"),
        ({"messages": []}, "empty_array", "messages"),
        ({"messages": ["hello"]}, "invalid_type", "messages[0]"),
        ({"messages": [{"content": "hi"}]}, "missing_required_parameter", "messages[0].role"),
        ({"messages": [{"role": "bot", "content": "hi"}]}, "invalid_value", "messages[0].role"),
        ({"messages": [{"role": 7, "content": "hi"}]}, "invalid_value", "messages[0].role"),
        ({"messages": [{"role": "tool", "content": "{}"}]}, "unsupported_value", "messages[0].role"),
        ({"messages": [{"role": "user"}]}, "missing_required_parameter", "messages[0].content"),
        ({"messages": [{"role": "user", "content": 42}]}, "invalid_type", "messages[0].content"),
        ({"messages": [{"role": "user", "content": {"text": "hi"}}]}, "invalid_type", "messages[0].content"),
        (
            {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]},
            "invalid_type",
            "messages[0].content[0]",
        ),
        ({"messages": [{"role": "system", "content": "Be brief."}]}, "invalid_value", "messages"),
        ({"messages": [user()], "stream": True}, "stream_unsupported", "stream"),
        ({"messages": [user()], "n": 3}, "invalid_value", "n"),
        ({"messages": [user()], "tools": [{"type": "function"}]}, "unsupported_parameter", "tools"),
        ({"messages": [user()], "model": 4}, "invalid_type", "model"),
        ({"messages": [user()], "model": "x" * 201}, "invalid_value", "model"),
        ({"messages": [user()], "max_tokens": "50"}, "invalid_type", "max_tokens"),
        ({"messages": [user()], "max_tokens": True}, "invalid_type", "max_tokens"),
        ({"messages": [user()], "max_tokens": 0}, "invalid_value", "max_tokens"),
        ({"messages": [user()], "temperature": "hot"}, "invalid_type", "temperature"),
        ({"messages": [user()], "temperature": 3}, "invalid_value", "temperature"),
        ({"messages": [user()], "top_p": 1.5}, "invalid_value", "top_p"),
        ({"messages": [user()], "top_p": "all"}, "invalid_type", "top_p"),
        ({"messages": [user()], "frequency_penalty": -3}, "invalid_value", "frequency_penalty"),
        ({"messages": [user()], "presence_penalty": True}, "invalid_type", "presence_penalty"),
        ({"messages": [user()], "stop": 7}, "invalid_type", "stop"),
        ({"messages": [user()], "stop": ["a", "b", "c", "d", "e"]}, "invalid_value", "stop"),
        ({"messages": [user()], "seed": 1.5}, "invalid_type", "seed"),
        ({"messages": [user()], "response_format": "json"}, "invalid_value", "response_format.type"),
        ({"messages": [user()], "response_format": {"type": "yaml"}}, "invalid_value", "response_format.type"),
        (
            {"messages": [user()], "response_format": {"type": "json_schema"}},
            "missing_required_parameter",
            "response_format.json_schema",
        ),
        ({"messages": [user()], "user": 7}, "invalid_type", "user"),
    ],
)
def test_each_bad_body_names_its_problem(body, code, param):
    problem = refused(body)
    assert (problem.code, problem.param) == (code, param), problem.message
    assert problem.message


def test_a_type_error_says_what_was_expected_and_what_came():
    assert refused({"messages": [{"role": "user", "content": 42}]}).message == (
        "Invalid type for 'messages[0].content': expected a string or an array of text parts, "
        "but got an integer instead."
    )


def test_a_megabyte_prompt_is_too_long(settings):
    problem = refused({"messages": [user("x" * 1_000_000)]})
    assert problem.code == "context_length_exceeded" and str(settings.AI_API_MAX_PROMPT_CHARS) in problem.message


def test_too_many_messages_are_refused(settings):
    settings.AI_API_MAX_MESSAGES = 3
    assert refused({"messages": [user()] * 4}).code == "array_above_max_length"
