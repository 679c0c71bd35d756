"""How a provider client puts one JSON POST on the wire: straight through the urllib3 connection
pool of its `requests.Session` (same pool, same kept-alive connections, same TLS verification as
`session.post` would pick), skipping requests' per-call preparation (hooks, cookies, settings
merges, the Response object), which cost ~0.6 ms of CPU per call against ~0.4 ms for the pool
itself (bench/RESULTS.md, "AI gateway"). Through a proxy (HTTPS_PROXY for the provider's host) the
call goes through `session.post`, which knows proxies. Either way the caller gets a `Reply` and
one of two exceptions: `TransportTimeout` or `Unreachable`."""

import json
from dataclasses import dataclass

import requests
import urllib3
from urllib3.exceptions import HTTPError, NewConnectionError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

HEADERS = {"Accept": "application/json", "Content-Type": "application/json", "User-Agent": "opsdesk-ai-gateway"}


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
        body = json.dumps(payload, allow_nan=False).encode()
        if self.pool is None:
            return self._through_session(body, headers, timeouts)
        try:
            response = self.pool.urlopen(
                "POST",
                self.path,
                body=body,
                headers={**HEADERS, **headers},
                timeout=urllib3.Timeout(connect=timeouts[0], read=timeouts[1]),
                retries=False,
                redirect=False,
            )
        except NewConnectionError as exc:  # a subclass of urllib3's connect timeout, but a refusal
            raise Unreachable(str(exc)) from exc
        except Urllib3Timeout as exc:
            raise TransportTimeout(type(exc).__name__) from exc
        except (HTTPError, OSError) as exc:
            raise Unreachable(str(exc)) from exc
        return Reply(response.status, response.headers, response.data)

    def _through_session(self, body, headers, timeouts) -> Reply:
        try:
            response = self.session.post(self.url, data=body, headers={**HEADERS, **headers}, timeout=timeouts)
        except requests.Timeout as exc:
            raise TransportTimeout(type(exc).__name__) from exc
        except requests.RequestException as exc:
            raise Unreachable(str(exc)) from exc
        return Reply(response.status_code, response.headers, response.content)


def _pool(session: requests.Session, url: str):
    """The connection pool `session.post(url)` would use, with the session's TLS settings."""
    request = requests.Request("POST", url).prepare()
    return session.get_adapter(url).get_connection_with_tls_context(request, session.verify, proxies=None)
