"""How a provider client puts one JSON POST on the wire: straight through the urllib3 connection
pool of its `requests.Session` (same pool, same kept-alive connections, same TLS verification as
`session.post` would pick), skipping requests' per-call preparation (hooks, cookies, settings
merges, the Response object), which cost ~0.6 ms of CPU per call against ~0.4 ms for the pool
itself (bench/RESULTS.md, "AI gateway"). Through a proxy (HTTPS_PROXY for the provider's host) the
call goes through `session.post`, which knows proxies. Either way the caller gets a `Reply` and
one of two exceptions: `TransportTimeout` or `Unreachable`.

The budget is one deadline for the whole attempt, not a limit per socket read: urllib3's `total`
caps connect + the wait for the headers, and the body is read in chunks, each read's timeout the
time left, so neither a stalled nor a trickling body holds the caller past its budget."""

import json
import time
from dataclasses import dataclass

import requests
import urllib3
from urllib3.exceptions import HTTPError, NewConnectionError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

HEADERS = {"Accept": "application/json", "Content-Type": "application/json", "User-Agent": "opsdesk-ai-gateway"}
CHUNK = 65536


class TransportTimeout(Exception):
    pass


class Unreachable(Exception):
    pass


@dataclass(frozen=True)
class Reply:
    status_code: int
    headers: object  # case-insensitive: urllib3's HTTPHeaderDict or requests' CaseInsensitiveDict
    content: bytes

    def json(self):
        """The body as JSON; ValueError when it is not."""
        return json.loads(self.content)


class Transport:
    def __init__(self, session: requests.Session, url: str):
        self.session, self.url = session, url
        self.path = urllib3.util.parse_url(url).request_uri
        self.pool = None if session.proxies else _pool(session, url)

    def post_json(self, payload: dict, headers: dict, timeouts: tuple[float, float]) -> Reply:
        """`timeouts` is (connect, budget): connect, headers and body all within `budget` seconds."""
        deadline = time.monotonic() + timeouts[1]
        timeout = urllib3.Timeout(connect=timeouts[0], read=timeouts[1], total=timeouts[1])
        body = json.dumps(payload, allow_nan=False).encode()
        headers = {**HEADERS, **headers}
        try:
            if self.pool is None:
                return self._through_session(body, headers, timeout, deadline)
            return self._through_pool(body, headers, timeout, deadline)
        except requests.Timeout as exc:
            raise TransportTimeout(type(exc).__name__) from exc
        except NewConnectionError as exc:  # a subclass of urllib3's connect timeout, but a refusal
            raise Unreachable(str(exc)) from exc
        except Urllib3Timeout as exc:
            raise TransportTimeout(type(exc).__name__) from exc
        except (HTTPError, OSError) as exc:  # requests' exceptions are OSErrors too
            raise Unreachable(str(exc)) from exc

    def _through_pool(self, body, headers, timeout, deadline) -> Reply:
        response = self.pool.urlopen(
            "POST",
            self.path,
            body=body,
            headers=headers,
            timeout=timeout,
            retries=False,
            redirect=False,
            preload_content=False,
        )
        return Reply(response.status, response.headers, read_body(response, deadline))

    def _through_session(self, body, headers, timeout, deadline) -> Reply:
        response = self.session.post(self.url, data=body, headers=headers, timeout=timeout, stream=True)
        return Reply(response.status_code, response.headers, read_body(response.raw, deadline))


def read_body(response: urllib3.BaseHTTPResponse, deadline: float) -> bytes:
    """The whole body by `deadline`: each read waits at most the time left, and a body still
    incomplete at the deadline is a timeout; its connection is closed, not reused. A body with a
    Content-Length ends at its last byte, without a read past it (the usual answer: one read)."""
    sock = getattr(response.connection, "sock", None)
    decode = "content-encoding" in response.headers  # compressed: read on until the decoder is done
    chunks = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            response.close()
            response.release_conn()
            raise TransportTimeout("the body did not arrive within the time budget")
        if sock is not None:
            sock.settimeout(left)
        chunk = response.read1(CHUNK, decode_content=decode)
        chunks.append(chunk)
        if not chunk or (response.length_remaining == 0 and not decode):
            return b"".join(chunks)


def _pool(session: requests.Session, url: str):
    """The connection pool `session.post(url)` would use, with the session's TLS settings."""
    request = requests.Request("POST", url).prepare()
    return session.get_adapter(url).get_connection_with_tls_context(request, session.verify, proxies=None)
