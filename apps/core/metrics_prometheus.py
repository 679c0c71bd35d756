"""Prometheus metrics: every counter and histogram Opsdesk exposes on `/metrics`, and the one-line
calls that move them. Any layer may count (this module imports nothing of Opsdesk's).

Adding a metric is one line where it is defined and one where it moves:

    SLOW_QUERIES = prom.counter("opsdesk_db_slow_queries_total", "Statements over SLOW_QUERY_MS.", ["vendor"])
    prom.inc(SLOW_QUERIES, vendor=connection.vendor)

`counter()` and `histogram()` return the metric of that name if it exists already, so a module
may be imported twice. `inc()` and `observe()` keep every label's values bounded (a value past
LABEL_VALUES_MAX distinct ones in a process becomes "other") and never raise: counting must not
break what it counts. Label values are never tenants, users, contacts or raw paths.

In a web or worker process the values live in files shared by its processes
(apps.core.metrics_processes); anywhere else, in this process's memory."""

import logging
import threading

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics

from apps.core import metrics_processes

logger = logging.getLogger("opsdesk.metrics")
REGISTRY = CollectorRegistry(auto_describe=True)
LABEL_VALUES_MAX = 100
# A route is a URL pattern, so the URLconf bounds it already; the admin alone has hundreds.
LABEL_VALUES_MAX_BY_LABEL = {"route": 2000}
LABEL_VALUE_CHARS = 80
OTHER = "other"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
SLOW_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0)
CONNECT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

metrics_processes.install_value_class()
disable_created_metrics()  # the *_created series double what a scrape reads; multiprocess mode has none
_lock = threading.Lock()
_seen: dict[tuple[str, str], set] = {}
_children: dict[tuple, object] = {}
CHILDREN_CACHED_MAX = 20000


def counter(name, documentation, labelnames=()):
    return _get_or_create(Counter, name, documentation, tuple(labelnames))


def histogram(name, documentation, labelnames=(), buckets=LATENCY_BUCKETS):
    return _get_or_create(Histogram, name, documentation, tuple(labelnames), buckets=buckets)


def _get_or_create(kind, name, documentation, labelnames, **kwargs):
    with _lock:
        existing = REGISTRY._names_to_collectors.get(name)
        if existing is not None:
            return existing
        return kind(name, documentation, labelnames, registry=REGISTRY, **kwargs)


def inc(metric, amount=1, **labels):
    try:
        _child(metric, labels).inc(amount)
    except Exception:
        logger.exception("could not count %s", metric)


def observe(metric, value, **labels):
    try:
        _child(metric, labels).observe(value)
    except Exception:
        logger.exception("could not observe %s", metric)


def _child(metric, labels):
    """The labelled child, from a cache keyed by the raw values (the hot path: one dict lookup)."""
    if not labels:
        return metric
    key = (metric, *labels.items())
    child = _children.get(key)
    if child is None:
        child = metric.labels(**{name: bounded(metric._name, name, value) for name, value in labels.items()})
        if len(_children) < CHILDREN_CACHED_MAX:
            _children[key] = child
    return child


def bounded(metric_name, label, value) -> str:
    """The value as a label value, or "other" once this process has seen LABEL_VALUES_MAX others
    (more for a route, which the URLconf bounds)."""
    text = str(value if value is not None else "")[:LABEL_VALUE_CHARS]
    seen = _seen.setdefault((metric_name, label), set())
    if text in seen:
        return text
    with _lock:
        if len(seen) >= LABEL_VALUES_MAX_BY_LABEL.get(label, LABEL_VALUES_MAX):
            return OTHER
        seen.add(text)
    return text


# --- HTTP ---------------------------------------------------------------------------------------
HTTP_REQUESTS = counter(
    "opsdesk_http_requests",
    "HTTP requests answered, by URL route (the pattern), method and status.",
    ["route", "method", "status"],
)
HTTP_DURATION = histogram(
    "opsdesk_http_request_duration_seconds",
    "Time from the request reaching Django to its response.",
    ["route", "method", "status"],
)

# --- webhooks -----------------------------------------------------------------------------------
WEBHOOK_DELIVERIES = counter(
    "opsdesk_webhook_deliveries",
    "Webhook deliveries by provider and outcome: stored (reason new, duplicate or empty) or refused "
    "(reason: bad_signature, unknown_connection, too_large, invalid_json, …, database_unavailable).",
    ["provider", "outcome", "reason"],
)
WEBHOOK_ITEMS = counter(
    "opsdesk_webhook_items",
    "Items of stored deliveries: stored as new inbound events, or duplicates.",
    ["provider", "result"],
)
INBOX_PROCESSED = counter(
    "opsdesk_inbox_processed",
    "Inbound events a processing attempt finished, by result: processed, failed (will retry), dead_lettered, ignored.",
    ["result"],
)


def count_inbox_outcomes(outcomes):
    for outcome in outcomes:
        inc(INBOX_PROCESSED, result=outcome)


# --- outbound -----------------------------------------------------------------------------------
OUTBOUND_MESSAGES = counter(
    "opsdesk_outbound_messages",
    "Outbound messages reaching sent, failed (reason: the provider's error code) or blocked (reason: "
    "the preflight code), by channel.",
    ["channel", "outcome", "reason"],
)

# --- AI -----------------------------------------------------------------------------------------
AI_REQUESTS = counter(
    "opsdesk_ai_requests", "AI gateway calls by feature, outcome and provider.", ["feature", "outcome", "provider"]
)
AI_TOKENS = counter(
    "opsdesk_ai_tokens", "Tokens of answered AI calls, by provider and kind (prompt, completion).", ["provider", "kind"]
)
AI_COST = counter("opsdesk_ai_cost_usd", "Cost of AI calls in US dollars, by provider.", ["provider"])
AI_FALLBACKS = counter(
    "opsdesk_ai_fallbacks", "AI calls answered with the fallback text (every provider failed).", ["feature"]
)
AI_DURATION = histogram(
    "opsdesk_ai_request_duration_seconds", "AI gateway calls from start to record.", ["provider"], SLOW_BUCKETS
)


def count_ai_request(row):
    """One AI gateway call (an apps.ai AIRequest, read only): counted from what the row holds, no query."""
    provider = row.provider or "none"
    inc(AI_REQUESTS, feature=row.feature, outcome=row.outcome, provider=provider)
    if row.prompt_tokens or row.completion_tokens:
        inc(AI_TOKENS, row.prompt_tokens, provider=provider, kind="prompt")
        inc(AI_TOKENS, row.completion_tokens, provider=provider, kind="completion")
    if row.cost_usd:
        inc(AI_COST, float(row.cost_usd), provider=provider)
    if row.outcome == "fallback":
        inc(AI_FALLBACKS, feature=row.feature)
    observe(AI_DURATION, (row.latency_ms or 0) / 1000, provider=provider)


# --- Celery -------------------------------------------------------------------------------------
TASK_DURATION = histogram(
    "opsdesk_celery_task_duration_seconds",
    "Celery task run time by task and state (success, failure, retry).",
    ["task", "state"],
    SLOW_BUCKETS,
)
TASK_FAILURES = counter(
    "opsdesk_celery_task_failures", "Celery tasks that raised, by task and exception class.", ["task", "exception"]
)

# --- database -----------------------------------------------------------------------------------
DB_CONNECT = histogram(
    "opsdesk_db_connect_duration_seconds",
    "Time to open a database connection (what a request or task waits for one; reused persistent "
    "connections wait nothing and are not observed).",
    ["alias"],
    CONNECT_BUCKETS,
)
DB_CONNECT_ERRORS = counter("opsdesk_db_connect_errors", "Database connections that could not be opened.", ["alias"])

# --- logins -------------------------------------------------------------------------------------
LOGINS = counter(
    "opsdesk_logins", "Login attempts by result (success, failure) and where (admin, portal, api).", ["result", "via"]
)
LOCKOUTS = counter("opsdesk_login_lockouts", "Logins refused by the lockout (too many failures).", ["via"])
