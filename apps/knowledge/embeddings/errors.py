"""What went wrong while embedding, classified so the embed job knows what to do about it."""

SHRINKS_BATCH = frozenset({"too_large", "batch_too_large", "rate_limited", "timeout"})
KINDS = SHRINKS_BATCH | {
    "connection",
    "server_error",
    "bad_request",
    "unauthorized",
    "quota",
    "invalid_response",
    "not_configured",
    "model_unavailable",
}


class EmbeddingError(Exception):
    """`.kind` is one of KINDS; `.status` the HTTP status (None for the local model); `.retry_after`
    seconds a 429 asked to wait; `.shrinks_batch` whether a smaller batch may get through."""

    def __init__(self, kind, message, *, status=None, retry_after=None):
        assert kind in KINDS, kind
        super().__init__(message)
        self.kind, self.message, self.status, self.retry_after = kind, message, status, retry_after

    @property
    def shrinks_batch(self) -> bool:
        return self.kind in SHRINKS_BATCH

    def __str__(self):
        status = f" (HTTP {self.status})" if self.status else ""
        return f"{self.kind}{status}: {self.message}"
