"""The body of `POST /api/v1/ai/chat/completions`, checked the way OpenAI checks it.

A plain function over the parsed JSON (no serializer: it runs on every call and must cost
microseconds). A bad body raises `InvalidRequest` carrying OpenAI's error fields (`code`,
`message`, `param`), so an OpenAI SDK or n8n's OpenAI node shows the caller what to fix. Roles
and content are normalised here: `developer` is OpenAI's newer name for `system`, and content
given as a list of text parts is joined into one string. The sampling options n8n's OpenAI node and
the SDKs send (top_p, penalties, stop, seed, response_format, user) are checked and forwarded to
the provider as they came, never dropped in silence."""

from dataclasses import dataclass

from django.conf import settings

ROLES = ("system", "user", "assistant")
ROLE_ALIASES = {"developer": "system"}
TOOL_ROLES = ("tool", "function")
TOOL_PARAMETERS = ("tools", "functions", "tool_choice", "function_call")
MAX_MODEL_LENGTH = 200


class InvalidRequest(ValueError):
    """OpenAI's `invalid_request_error`: `code` as OpenAI names it, `param` the offending field."""

    def __init__(self, code, message, param=None):
        self.code, self.message, self.param = code, message, param
        super().__init__(message)


@dataclass(frozen=True)
class ChatRequest:
    messages: list
    model: str | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    options: dict | None = None


def parse(body) -> ChatRequest:
    """The checked request, or `InvalidRequest` naming the first problem."""
    if not isinstance(body, dict):
        raise InvalidRequest("invalid_type", "The request body must be a JSON object.")
    _refuse_unsupported(body)
    return ChatRequest(
        messages=_messages(body.get("messages")),
        model=_model(body.get("model")),
        max_tokens=_max_tokens(body),
        temperature=_temperature(body.get("temperature")),
        options=_options(body),
    )


def _options(body) -> dict | None:
    """The forwarded options present in `body`, each checked (see OPTION_CHECKS)."""
    found = {name: check(name, body[name]) for name, check in OPTION_CHECKS.items() if body.get(name) is not None}
    return found or None


def _number_between(low, high):
    def check(name, value):
        if not (_is_int(value) or isinstance(value, float)):
            raise InvalidRequest("invalid_type", _type_message(name, "a number", value), name)
        if not low <= value <= high:
            raise InvalidRequest("invalid_value", f"'{name}' must be between {low} and {high}.", name)
        return value

    return check


def _stop(name, value):
    if isinstance(value, str):
        return value
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidRequest("invalid_type", _type_message(name, "a string or an array of strings", value), name)
    if len(value) > MAX_STOP_SEQUENCES:
        raise InvalidRequest("invalid_value", f"'{name}' holds at most {MAX_STOP_SEQUENCES} sequences.", name)
    return value


def _seed(name, value):
    if not _is_int(value):
        raise InvalidRequest("invalid_type", _type_message(name, "an integer", value), name)
    return value


def _response_format(name, value):
    kind = value.get("type") if isinstance(value, dict) else None
    if kind not in RESPONSE_FORMATS:
        raise InvalidRequest(
            "invalid_value", f"'{name}.type' must be one of: {', '.join(RESPONSE_FORMATS)}.", f"{name}.type"
        )
    if kind == "json_schema" and not isinstance(value.get("json_schema"), dict):
        raise InvalidRequest(
            "missing_required_parameter", f"Missing required parameter: '{name}.json_schema'.", f"{name}.json_schema"
        )
    return value


def _user(name, value):
    if not isinstance(value, str):
        raise InvalidRequest("invalid_type", _type_message(name, "a string", value), name)
    return value[:MAX_USER_LENGTH]


MAX_STOP_SEQUENCES = 4
MAX_USER_LENGTH = 256
RESPONSE_FORMATS = ("text", "json_object", "json_schema")
OPTION_CHECKS = {
    "top_p": _number_between(0, 1),
    "frequency_penalty": _number_between(-2, 2),
    "presence_penalty": _number_between(-2, 2),
    "stop": _stop,
    "seed": _seed,
    "response_format": _response_format,
    "user": _user,
}


def _refuse_unsupported(body):
    if body.get("stream") not in (None, False):
        raise InvalidRequest(
            "stream_unsupported",
            "Streaming is not supported by this endpoint yet: send 'stream': false (or leave it out).",
            "stream",
        )
    if body.get("n") not in (None, 1):
        raise InvalidRequest("invalid_value", "Only one choice is returned: 'n' must be 1.", "n")
    for name in TOOL_PARAMETERS:
        if body.get(name):
            raise InvalidRequest("unsupported_parameter", f"'{name}' is not supported: tools cannot be called.", name)


def _messages(messages) -> list:
    if messages is None:
        raise InvalidRequest("missing_required_parameter", "Missing required parameter: 'messages'.", "messages")
    if not isinstance(messages, list):
        raise InvalidRequest("invalid_type", _type_message("messages", "an array", messages), "messages")
    if not messages:
        raise InvalidRequest("empty_array", "'messages' must contain at least one message.", "messages")
    if len(messages) > settings.AI_API_MAX_MESSAGES:
        raise InvalidRequest(
            "array_above_max_length",
            f"'messages' has {len(messages)} messages; at most {settings.AI_API_MAX_MESSAGES} are accepted.",
            "messages",
        )
    checked = [_message(index, message) for index, message in enumerate(messages)]
    _check_size(checked)
    if not any(message["role"] == "user" for message in checked):
        raise InvalidRequest(
            "invalid_value", "'messages' must contain at least one message with role 'user'.", "messages"
        )
    return checked


def _message(index, message) -> dict:
    where = f"messages[{index}]"
    if not isinstance(message, dict):
        raise InvalidRequest("invalid_type", _type_message(where, "an object", message), where)
    return {"role": _role(where, message.get("role")), "content": _content(where, message.get("content"))}


def _role(where, role) -> str:
    role = ROLE_ALIASES.get(role, role)
    if role in ROLES:
        return role
    if role is None:
        raise InvalidRequest(
            "missing_required_parameter", f"Missing required parameter: '{where}.role'.", f"{where}.role"
        )
    if role in TOOL_ROLES:
        raise InvalidRequest(
            "unsupported_value", f"Role '{role}' is not supported: tools cannot be called.", f"{where}.role"
        )
    shown = role if isinstance(role, str) else type(role).__name__
    raise InvalidRequest(
        "invalid_value",
        f"Invalid value: '{shown[:40]}'. Supported values are: 'system', 'developer', 'user' and 'assistant'.",
        f"{where}.role",
    )


def _content(where, content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(_text_part(f"{where}.content[{index}]", part) for index, part in enumerate(content))
    if content is None:
        raise InvalidRequest(
            "missing_required_parameter", f"Missing required parameter: '{where}.content'.", f"{where}.content"
        )
    raise InvalidRequest(
        "invalid_type",
        _type_message(f"{where}.content", "a string or an array of text parts", content),
        f"{where}.content",
    )


def _text_part(where, part) -> str:
    if not isinstance(part, dict) or part.get("type") != "text" or not isinstance(part.get("text"), str):
        raise InvalidRequest(
            "invalid_type",
            f"Invalid '{where}': only text parts ({{'type': 'text', 'text': '…'}}) are supported.",
            where,
        )
    return part["text"]


def _check_size(messages):
    size = sum(len(message["content"]) for message in messages)
    if size > settings.AI_API_MAX_PROMPT_CHARS:
        raise InvalidRequest(
            "context_length_exceeded",
            f"The messages hold {size} characters; this endpoint accepts at most "
            f"{settings.AI_API_MAX_PROMPT_CHARS}. Shorten the conversation.",
            "messages",
        )


def _model(model) -> str | None:
    if model is None or model == "":
        return None
    if not isinstance(model, str):
        raise InvalidRequest("invalid_type", _type_message("model", "a string", model), "model")
    if len(model) > MAX_MODEL_LENGTH or not model.isprintable():
        raise InvalidRequest(
            "invalid_value", f"'model' must be a printable name of at most {MAX_MODEL_LENGTH} characters.", "model"
        )
    return model


def _max_tokens(body) -> int | None:
    name = "max_completion_tokens" if body.get("max_completion_tokens") is not None else "max_tokens"
    value = body.get(name)
    if value is None:
        return None
    if not _is_int(value):
        raise InvalidRequest("invalid_type", _type_message(name, "an integer", value), name)
    if not 1 <= value <= settings.AI_API_MAX_COMPLETION_TOKENS:
        raise InvalidRequest(
            "invalid_value", f"'{name}' must be between 1 and {settings.AI_API_MAX_COMPLETION_TOKENS}.", name
        )
    return value


def _temperature(value) -> float | None:
    if value is None:
        return None
    if not (_is_int(value) or isinstance(value, float)):
        raise InvalidRequest("invalid_type", _type_message("temperature", "a number", value), "temperature")
    if not 0 <= value <= 2:
        raise InvalidRequest("invalid_value", "'temperature' must be between 0 and 2.", "temperature")
    return float(value)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


JSON_TYPES = {
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    list: "an array",
    dict: "an object",
}


def _type_message(where, expected, value) -> str:
    got = JSON_TYPES.get(type(value), "null" if value is None else type(value).__name__)
    return f"Invalid type for '{where}': expected {expected}, but got {got} instead."
