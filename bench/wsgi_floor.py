"""The floor of `bench/ai_bench.py`: a WSGI application that reads the request and answers a body the
size of a chat completion, doing nothing else, served by the same gunicorn settings. What a POST to
it costs is the HTTP hop through the server itself, which any Python gateway behind it pays."""

import json

BODY = json.dumps(
    {
        "id": "chatcmpl-floor",
        "object": "chat.completion",
        "created": 0,
        "model": "openai/gpt-4o-mini",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "Yes, 7 to 10."}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": 6, "total_tokens": 18},
        "provider": "openrouter",
        "opsdesk": {"request_id": 1, "fallback": False},
    }
).encode()


def application(environ, start_response):
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))])
    return [BODY]
