"""The n8n HTTP client: triggers a workflow's webhook with the connection's token."""

import requests
from django.conf import settings

_session = requests.Session()


class N8nError(Exception):
    def __init__(self, message, status_code=None):
        super().__init__(message)
        self.status_code = status_code


def workflow_url(connection, path) -> str:
    return f"{connection.setting('base_url').rstrip('/')}/{path.lstrip('/')}"


def trigger(connection, path, payload) -> dict:
    """POSTs the payload to the workflow; returns n8n's JSON answer (an empty dict when none)."""
    try:
        response = _session.post(
            workflow_url(connection, path),
            json=payload,
            timeout=settings.N8N_HTTP_TIMEOUT_S,
            headers={"Authorization": f"Bearer {connection.secret('token')}"},
        )
    except requests.Timeout:
        raise N8nError(f"n8n did not answer within {settings.N8N_HTTP_TIMEOUT_S} s.") from None
    except requests.RequestException as exc:
        raise N8nError(f"n8n could not be reached: {type(exc).__name__}.") from None
    if response.status_code >= 400:
        raise N8nError(f"n8n answered {response.status_code}: {response.text[:300]}", response.status_code)
    try:
        return response.json() if response.content else {}
    except ValueError:
        return {}
