"""One request straight through a WSGI application, as gunicorn calls it: Django's request signals
run and the response's close() comes after the last byte (where the AI API writes its row), which
Django's test client does not show as a server would."""

import io
import json
from dataclasses import dataclass


@dataclass
class Answer:
    status: int
    headers: dict
    content: bytes

    def json(self):
        return json.loads(self.content)


def post_json(application, path, body, **headers) -> Answer:
    """POSTs `body` (a dict, or bytes as they are) as JSON; `headers` are WSGI environ keys."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(raw),
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(raw)),
        **headers,
    }
    started = {}
    response = application(environ, lambda status, headers, *exc: started.update(status=status, headers=headers))
    try:
        content = b"".join(response)
    finally:
        response.close()
    return Answer(int(started["status"].split()[0]), dict(started["headers"]), content)
