"""A real HTTP server on 127.0.0.1 for tests, answering from a script of routes.

A provider fake subclasses `FakeServer` (or uses it directly) and adds routes whose handler gets
the request and returns a `Reply`. Every request is recorded, so a test can assert what Opsdesk
sent (path, headers, JSON body). A reply with `delay` longer than the client's timeout plays a
server that never answers; `stall` plays one that sends its headers and then hangs, `trickle` one
that sends its body a few bytes at a time. A request in a proxy's absolute form
(`POST http://host/path`) is answered as its path, so a fake can also play the proxy in front of
itself."""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Reply:
    status: int = 200
    body: object = None
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    stall: float = 0.0  # seconds between the headers and the body
    trickle: tuple[int, float] | None = None  # (bytes, seconds): the body in pieces this size, this far apart

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


@dataclass
class Recorded:
    method: str
    path: str
    query: str
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body or b"null")


class FakeServer:
    """Routes are (method, path) → handler(request) → Reply, or a fixed Reply; `queue()` gives one
    path a sequence of replies (the last repeats), e.g. 503, 503, 200."""

    def __init__(self):
        self.routes: dict[tuple[str, str], object] = {}
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def route(self, method, path, reply):
        self.routes[(method.upper(), path)] = reply

    def queue(self, method, path, *replies):
        pending = list(replies)

        def next_reply(_request):
            with self._lock:
                return pending.pop(0) if len(pending) > 1 else pending[0]

        self.route(method, path, next_reply)

    def requests_to(self, path, method=None):
        return [r for r in self.requests if r.path == path and (method is None or r.method == method)]

    def answer(self, request: Recorded) -> Reply:
        handler = self.routes.get((request.method, request.path))
        if handler is None:
            return Reply(404, {"error": f"no route {request.method} {request.path}"})
        return handler(request) if callable(handler) else handler

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle on, the body waits for the client's
            # delayed ACK (~40 ms a response), and the fake, not Opsdesk, would set every pace.
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                target = urlsplit(self.path)
                path, query = target.path, target.query
                request = Recorded(self.command, path, query, dict(self.headers.items()), self.rfile.read(length))
                with fake._lock:
                    fake.requests.append(request)
                reply = fake.answer(request)
                if reply.delay:
                    time.sleep(reply.delay)
                payload = reply.encoded()
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json", **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, str(value))
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                try:
                    self._send_body(reply, payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _send_body(self, reply, payload):
                if reply.stall:
                    time.sleep(reply.stall)
                size, every = reply.trickle or (len(payload) or 1, 0)
                for start in range(0, len(payload), size):
                    if start:
                        time.sleep(every)
                    self.wfile.write(payload[start : start + size])

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        return Handler
