"""gunicorn's access log with secrets in URLs redacted (Procfile: --logger-class)."""

from gunicorn.glogging import Logger

from apps.core.logging import redact


class RedactingGunicornLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}
