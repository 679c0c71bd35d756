"""A test client that behaves like a separate front end: CSRF enforced, JSON bodies, the token
taken from GET /auth/me and sent back in `x-csrf-token`."""

import json

from django.test import Client


class FrontEnd(Client):
    def __init__(self, **defaults):
        super().__init__(enforce_csrf_checks=True, **defaults)

    def token(self) -> str:
        return self.get("/auth/me").json()["csrf_token"]

    def post_json(self, path, body=None, token=None, header="HTTP_X_CSRF_TOKEN", **extra):
        if token:
            extra[header] = token
        return self.post(path, json.dumps(body or {}), content_type="application/json", **extra)

    def log_in(self, username, password, **extra):
        return self.post_json("/auth/login", {"username": username, "password": password}, self.token(), **extra)
