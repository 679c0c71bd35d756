"""Log lines (JSON or plain) that carry the correlation context, with secrets in URLs redacted."""

import json
import logging
import re
from datetime import UTC, datetime

from apps.core import context

_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
# Query parameters that carry a secret: Meta's webhook handshake token and the usual suspects.
_SECRET_PARAMS = re.compile(
    r"((?<![\w.%-])(?:hub(?:\.|%2e)verify_token|access_token|api_key|token|secret)=)[^&\s\"'\\]*", re.IGNORECASE
)


def redact(text: str) -> str:
    """`…?hub.verify_token=s3cret&…` → `…?hub.verify_token=[redacted]&…`, wherever the URL appears."""
    return _SECRET_PARAMS.sub(r"\1[redacted]", text)


class ContextFilter(logging.Filter):
    def filter(self, record):
        for name, value in context.snapshot().items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        line = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return redact(json.dumps(line, default=str))


class PlainFormatter(logging.Formatter):
    def format(self, record):
        return redact(super().format(record))
