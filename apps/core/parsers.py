"""DRF's JSON parser for every API view, reading through `safe_json`: a body PostgreSQL cannot
store, nested too deep or larger than DATA_UPLOAD_MAX_MEMORY_SIZE is a 4xx naming the problem.

A view whose body may be a list can set `json_list_name` (the events API: "events") so the
problem is named like its validation errors, `events[1].meta`."""

from django.conf import settings
from rest_framework import exceptions, parsers, renderers

from apps.core import safe_json


class InvalidJSON(exceptions.ParseError):
    default_code = "invalid_json"


class BodyTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "too_large"


class SafeJSONParser(parsers.BaseParser):
    """Not a subclass of DRF's JSONParser on purpose: DRF hands those `request.body`, read whole
    before any limit; this one gets the stream and reads at most the limit (+1 byte)."""

    media_type = "application/json"
    renderer_class = renderers.JSONRenderer

    def parse(self, stream, media_type=None, parser_context=None):
        view = (parser_context or {}).get("view")
        try:
            return safe_json.loads(read_limited(stream))
        except safe_json.BadJSON as exc:
            raise InvalidJSON(exc.describe(getattr(view, "json_list_name", ""))) from None


def read_limited(stream) -> bytes:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = stream.read() if limit is None else stream.read(limit + 1)
    if limit is not None and len(body) > limit:
        raise BodyTooLarge(f"The body is larger than {limit} bytes.")
    return body
