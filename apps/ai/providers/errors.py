"""What can go wrong when a provider is asked for a completion, classified once so the chain, the
circuit and the operator all read the same `kind`."""

TIMEOUT = "timeout"
CONNECTION = "connection"
RATE_LIMITED = "rate_limited"
SERVER_ERROR = "server_error"
INVALID_RESPONSE = "invalid_response"
CREDITS = "credits"
MODERATION = "moderation"
QUOTA = "quota"
BAD_REQUEST = "bad_request"
UNAUTHORIZED = "unauthorized"
NOT_CONFIGURED = "not_configured"
NO_ANSWER = "no_answer"

KINDS = (
    TIMEOUT,
    CONNECTION,
    RATE_LIMITED,
    SERVER_ERROR,
    INVALID_RESPONSE,
    CREDITS,
    MODERATION,
    QUOTA,
    BAD_REQUEST,
    UNAUTHORIZED,
    NOT_CONFIGURED,
    NO_ANSWER,
)

# Our own configuration is wrong (key, model, request shape): the next provider would not make the
# customer's answer right, and an operator must fix it.
CONFIGURATION = frozenset({BAD_REQUEST, UNAUTHORIZED})

# Kinds that say the provider itself is unwell or unusable for now; they count towards its circuit.
# Moderation is about this input, "not configured" never reached the provider, and "no answer" (an
# empty answer cut at the token budget, or one the content filter stopped) is about this request.
UNHEALTHY = frozenset({TIMEOUT, CONNECTION, RATE_LIMITED, SERVER_ERROR, INVALID_RESPONSE, CREDITS, QUOTA})

# 400 codes that name what operators configure (the model), whoever sent the request.
OUR_SETTINGS_CODES = frozenset({"model_not_found"})

FIXES = {
    BAD_REQUEST: "check the model name in settings or the bot and the request the gateway sends",
    UNAUTHORIZED: "set a valid API key for this provider (the key is missing, revoked or lacks access)",
}

# The provider's own error code says more than the kind: a 400 is not always the model's name, a 403
# not always the key.
CODE_FIXES = {
    "model_not_found": (
        "check the model name in settings or the bot (the provider does not know it, or the key may not use it)"
    ),
    "invalid_api_key": "set a valid API key for this provider (the key sent is wrong or revoked)",
    "unsupported_country_region_territory": (
        "the provider refuses requests from this server's country or region: run the gateway where the provider "
        "is offered, or leave this provider out of the chain"
    ),
    "context_length_exceeded": (
        "the request is too long for the model's context window: send less history or knowledge, lower "
        "max_tokens, or choose a model with a longer context"
    ),
    "unsupported_parameter": "the model refuses a parameter the gateway sends (see the message): choose another model",
    "unsupported_value": "the model refuses a value the gateway sends (see the message): choose another model",
}


def fix_for(error) -> str:
    """What an operator should do about a configuration error, by the provider's code when known."""
    return CODE_FIXES.get(error.code) or FIXES.get(error.kind, "check this provider's settings")


class ProviderError(Exception):
    """A provider did not give a usable completion. `falls_back` says whether the chain moves on to
    the next provider (every kind except our own configuration errors). `code` is the provider's error
    code when it sends one; `retryable` is False when it said not to retry (`x-should-retry: false`)."""

    def __init__(
        self,
        kind: str,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        code: str = "",
        retryable: bool = True,
    ):
        assert kind in KINDS, kind
        super().__init__(message)
        self.kind = kind
        self.status = status
        self.message = message
        self.retry_after = retry_after
        self.code = code
        self.retryable = retryable

    @property
    def falls_back(self) -> bool:
        return self.kind not in CONFIGURATION

    @property
    def counts_against_provider(self) -> bool:
        return self.kind in UNHEALTHY

    def as_json(self) -> dict:
        return {
            "kind": self.kind,
            "status": self.status,
            "message": self.message[:500],
            "retry_after": self.retry_after,
        }

    def __str__(self):
        status = f" {self.status}" if self.status else ""
        return f"{self.kind}{status}: {self.message}"
