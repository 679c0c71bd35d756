"""Opsdesk settings, read from the environment (django-environ).

With nothing configured Opsdesk runs on SQLite with a filesystem Celery broker (the embedded
default); `DATABASE_URL` and `CELERY_BROKER_URL` point it at PostgreSQL and Redis.
"""

from datetime import timedelta
from pathlib import Path

import environ
from corsheaders.defaults import default_headers as cors_default_headers

from config import startup_checks

BASE_DIR = Path(__file__).resolve().parent.parent
RUN_DIR = BASE_DIR / ".run"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
startup_checks.fill_blanks_from(RUN_DIR / "local.env")
# `make run` writes demo-only values (Meta webhook secrets, e-mail to .run/mail/) into .run/demo.env.
startup_checks.fill_blanks_from(RUN_DIR / "demo.env")

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="") or (startup_checks.DEV_SECRET_KEY if DEBUG else "")
# Connection secrets are encrypted with a key derived from this; earlier keys still decrypt
# until `manage.py rotate_connection_key` has re-encrypted every row with the current one.
CONNECTION_ENCRYPTION_KEY = env.str("CONNECTION_ENCRYPTION_KEY", default="") or (SECRET_KEY if DEBUG else "")
CONNECTION_ENCRYPTION_PREVIOUS_KEYS = env.list("CONNECTION_ENCRYPTION_PREVIOUS_KEYS", default=[])
if not DEBUG:
    startup_checks.refuse_insecure_secrets(SECRET_KEY, CONNECTION_ENCRYPTION_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
# A separate front end on these origins may call /auth/ and /api/ with the session cookie (CORS with
# credentials); its origins are trusted for CSRF too. Other origins get no CORS headers.
CORS_ALLOWED_ORIGINS = [origin.strip().rstrip("/") for origin in env.list("CORS_ORIGIN", default=[])]
CORS_ALLOW_CREDENTIALS = True
CORS_URLS_REGEX = r"^/(auth|api)/"
CORS_ALLOW_HEADERS = (*cors_default_headers, "x-csrf-token", "x-request-id")
CORS_EXPOSE_HEADERS = ["X-Request-ID", "Retry-After"]
CSRF_TRUSTED_ORIGINS = list(dict.fromkeys(env.list("CSRF_TRUSTED_ORIGINS", default=[]) + CORS_ALLOWED_ORIGINS))
# The token travels in `x-csrf-token`; apps.accounts.csrf copies Django's `X-CSRFToken` into it.
CSRF_HEADER_NAME = "HTTP_X_CSRF_TOKEN"
CSRF_FAILURE_VIEW = "apps.accounts.csrf.csrf_failure"
# The web server's port, for the URLs Opsdesk prints and mails when SITE_URL is not set. `make run`
# passes it as WEB_PORT because honcho gives every process a PORT of its own.
WEB_PORT = env.int("WEB_PORT", default=env.int("PORT", default=8000))
SITE_URL = (env.str("SITE_URL", default="") or f"http://127.0.0.1:{WEB_PORT}").rstrip("/")
# Where `manage.py demo_providers` listens and the demo connections point (make run only).
DEMO_PROVIDERS_URL = (env.str("DEMO_PROVIDERS_URL", default="") or f"http://127.0.0.1:{WEB_PORT + 1000}").rstrip("/")

# HTTPS. With DEBUG off Opsdesk assumes it is served over HTTPS: secure-only cookies, HSTS, and
# a redirect from http. `make` writes HTTPS_ONLY=false into .run/local.env for plain
# http://127.0.0.1; every switch below can also be set on its own.
HTTPS_ONLY = env.bool("HTTPS_ONLY", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=HTTPS_ONLY)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=HTTPS_ONLY)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=HTTPS_ONLY)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS_ONLY else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS_ONLY)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=HTTPS_ONLY)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Behind a reverse proxy: the proxies' addresses (IPs or CIDRs). Only a request from one of them
# may name the client (CLIENT_IP_HEADER) and the scheme (SECURE_PROXY_SSL_HEADER); from anyone
# else those headers are dropped (apps.core.middleware.TrustedProxyMiddleware).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
CLIENT_IP_HEADER = env.str("CLIENT_IP_HEADER", default="X-Forwarded-For")
_PROXY_SSL_HEADER = env.list(
    "SECURE_PROXY_SSL_HEADER", default=["HTTP_X_FORWARDED_PROTO", "https"] if TRUSTED_PROXIES else []
)
SECURE_PROXY_SSL_HEADER = tuple(_PROXY_SSL_HEADER) if len(_PROXY_SSL_HEADER) == 2 else None
# Sent on every response (apps.core.middleware.ContentSecurityPolicyMiddleware); empty: none.
# Inline styles are allowed (the admin's templates use them); inline scripts are not.
CONTENT_SECURITY_POLICY = env.str(
    "CONTENT_SECURITY_POLICY",
    default=(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
)
CONTENT_SECURITY_POLICY_REPORT_ONLY = env.bool("CONTENT_SECURITY_POLICY_REPORT_ONLY", default=False)

INSTALLED_APPS = [
    "config.admin_site.OpsdeskAdminConfig",  # django.contrib.admin, opening on what needs attention
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "corsheaders",
    "apps.core",
    "apps.tenants",
    "apps.accounts",
    "apps.events",
    "apps.jobs",
    "apps.incidents",
    "apps.integrations",
    "apps.tickets",
    "apps.health",
    "apps.outbound",
    "apps.ai",
    "apps.knowledge",
    "apps.observability",
    "apps.drafts",
    "apps.platform_bot",
    "apps.backups",
    "apps.comms",
    "apps.fallback",
]

MIDDLEWARE = [
    "apps.observability.middleware.RequestMetricsMiddleware",  # outermost: times everything below
    "apps.core.middleware.TrustedProxyMiddleware",
    "apps.core.middleware.CorrelationIdMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "apps.core.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "apps.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "apps.accounts.csrf.CsrfHeaderMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.core.middleware.RequestContextMiddleware",
    "apps.core.db_context.RowSecurityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

# What a server-to-server POST with a bearer key to one of LEAN_ROUTES goes through instead of
# MIDDLEWARE (apps/core/lean_wsgi.py): the AI API's chat completions, called once per message.
LEAN_ROUTES = ["/api/v1/ai/chat/completions"]
LEAN_URLCONF = "config.lean_urls"
LEAN_MIDDLEWARE = [
    "apps.observability.middleware.RequestMetricsMiddleware",
    "apps.core.middleware.TrustedProxyMiddleware",
    "apps.core.middleware.CorrelationIdMiddleware",
    "apps.core.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",  # lazy: what DRF's other paths may ask
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.core.db_context.RowSecurityMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.tenants.context_processors.portal",
                "apps.health.context_processors.announced_maintenance",
                "apps.comms.context_processors.incident_notices",
            ],
        },
    },
]

# The app connects with DATABASE_URL as DATABASE_APP_ROLE, which owns nothing (apps/events/app_role.py).
# Migrations run as the owner: with DATABASE_AS_OWNER=1 (as `make migrate` sets) DATABASE_OWNER_URL
# is used when given.
DATABASE_APP_ROLE = env.str("DATABASE_APP_ROLE", default="opsdesk_app")
database_url_var = "DATABASE_URL"
if env.bool("DATABASE_AS_OWNER", default=False) and env.str("DATABASE_OWNER_URL", default=""):
    database_url_var = "DATABASE_OWNER_URL"
# A blank value (as in a .env copied from .env.example) means "not set": the embedded SQLite.
DATABASES = {
    "default": env.db_url_config(env.str(database_url_var, default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend, timing each new connection for /metrics and applying the row-level
        # security context (apps/core/postgresql/base.py, apps/core/db_context.py).
        DATABASES["default"]["ENGINE"] = "apps.core.postgresql"
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # The few statements every API call makes are prepared on the server, once per connection
    # (apps/core/db_context.py `fetch_hot`); psycopg prepares a statement when asked or after this
    # many runs, which Django's own (client-side binding) cursors never reach. Off for a pooler in
    # transaction mode that cannot keep prepared statements (PgBouncer before 1.21).
    if env.bool("DB_PREPARED_STATEMENTS", default=True):
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 2**31 - 1
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://opsdesk")}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/dashboard/"
LOGOUT_REDIRECT_URL = "/login/"

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
# Two independent limits: one username from any number of addresses, and one address whatever
# usernames it tries. A locked-out address's further guesses are not counted against the accounts
# it names, so one address cannot lock every account. The address is REMOTE_ADDR, which
# TrustedProxyMiddleware sets from CLIENT_IP_HEADER only for requests from TRUSTED_PROXIES.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "apps.accounts.lockout.LockoutHandler"
AXES_LOCKOUT_CALLABLE = "apps.accounts.lockout.lockout_response"

LANGUAGE_CODE = "en-us"
# Dates and times as Opsdesk writes them (config/formats/en): ISO order, times with their zone.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="opsdesk@localhost")
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=10.0)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
# Stakeholder communication (apps.comms): who gets the incident report when an incident resolves
# (comma-separated e-mail addresses; empty: no summary, and the incident's timeline says so).
INCIDENT_SUMMARY_RECIPIENTS = env.list("INCIDENT_SUMMARY_RECIPIENTS", default=[])

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.ApiKeyAuthentication",
        "apps.accounts.csrf.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.api.exception_handler",
    # JSON bodies go through apps.core.safe_json: NUL, Infinity/NaN and deep nesting are a 400.
    "DEFAULT_PARSER_CLASSES": [
        "apps.core.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Opsdesk API",
    "DESCRIPTION": "Operations desk for messaging-automation SaaS.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "status", "channel" or "kind" of their own: each enum gets a readable name.
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "apps.tickets.models.Status",
        "TicketChannelEnum": "apps.tickets.models.Channel",
        "InboundEventStatusEnum": "apps.integrations.models.inbox.InboundEvent.Status",
        "IncidentStatusEnum": "apps.incidents.models.incident.Status",
        "OutboundStatusEnum": "apps.outbound.models.messages.Status",
        "OutboundChannelEnum": "apps.outbound.models.messages.Channel",
        "OutboundKindEnum": "apps.outbound.models.messages.Kind",
    },
}

# --- Celery ---------------------------------------------------------------------------------
BROKER_DIR = RUN_DIR / "broker"
# "localhost" only names the embedded broker (kombu warns on every connection when no host is given).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or "filesystem://localhost//"
CELERY_BROKER_IS_EMBEDDED = CELERY_BROKER_URL.startswith("filesystem://")
if CELERY_BROKER_IS_EMBEDDED:
    for folder in ("queue", "processed", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
        "control_folder": str(BROKER_DIR / "control"),
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
        "max_retries": 0,
        "visibility_timeout": 3600,
    }
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Opsdesk behaviour ----------------------------------------------------------------------
SLOW_REQUEST_MS = env.int("SLOW_REQUEST_MS", default=2000)
# A statement slower than this is logged and reported as SLOW_QUERY, at most once per statement
# every SLOW_QUERY_REPORT_EVERY_S in a process (apps/core/slow_queries.py).
SLOW_QUERY_MS = env.int("SLOW_QUERY_MS", default=1000)
SLOW_QUERY_REPORT_EVERY_S = env.int("SLOW_QUERY_REPORT_EVERY_S", default=60)
# Database connection errors are spooled here while the database is down (apps/core/db_outages.py).
DB_OUTAGE_SPOOL_DIR = env.path("DB_OUTAGE_SPOOL_DIR", default=str(RUN_DIR / "spool"))
# A Meta access token that Meta says expires within this many days is a META_TOKEN_EXPIRING warning.
META_TOKEN_WARN_DAYS = env.int("META_TOKEN_WARN_DAYS", default=7)
# An emergency (one-off) maintenance window must be announced at least this long before it starts.
MAINTENANCE_NOTICE_MINUTES = env.int("MAINTENANCE_NOTICE_MINUTES", default=60)
WORKER_HEARTBEAT_MAX_AGE_S = env.int("WORKER_HEARTBEAT_MAX_AGE_S", default=180)
BAN_REENABLE_HOURS = env.int("BAN_REENABLE_HOURS", default=24)
BAN_SUGGESTED_COOLDOWN_HOURS = env.int("BAN_SUGGESTED_COOLDOWN_HOURS", default=48)
BAN_WATCH_MINUTES = env.int("BAN_WATCH_MINUTES", default=60)
# WAHA's session API (restart, QR, pairing code): timeouts, and how long SCAN_QR_CODE may last.
WAHA_CONNECT_TIMEOUT_S = env.float("WAHA_CONNECT_TIMEOUT_S", default=3.05)
WAHA_READ_TIMEOUT_S = env.float("WAHA_READ_TIMEOUT_S", default=5.0)
WAHA_SCAN_QR_INCIDENT_MINUTES = env.int("WAHA_SCAN_QR_INCIDENT_MINUTES", default=15)
# The base of the webhook and callback URLs given to providers (the address they can reach).
PUBLIC_BASE_URL = (env.str("PUBLIC_BASE_URL", default="") or SITE_URL).rstrip("/")

# --- Prometheus (/metrics, apps/observability) -------------------------------------------------
# A scraper gets in with `Authorization: Bearer <METRICS_TOKEN>` (empty: no token works) or from one
# of METRICS_ALLOWED_NETWORKS (CIDRs; empty: none). The scrape's database queries stop after
# METRICS_QUERY_TIMEOUT_MS. Web and worker processes share their values through files in
# PROMETHEUS_MULTIPROC_DIR (default .run/prometheus; read by apps/core/metrics_processes.py).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"])
METRICS_QUERY_TIMEOUT_MS = env.int("METRICS_QUERY_TIMEOUT_MS", default=2000)

# --- Inbound webhooks -----------------------------------------------------------------------
META_APP_SECRET = env.str("META_APP_SECRET", default="")
META_VERIFY_TOKEN = env.str("META_VERIFY_TOKEN", default="")
WEBHOOK_MAX_BYTES = env.int("WEBHOOK_MAX_BYTES", default=1024 * 1024)
WEBHOOK_SIGNATURE_EVENT_INTERVAL_S = env.int("WEBHOOK_SIGNATURE_EVENT_INTERVAL_S", default=60)
# Deepest nesting of objects and lists accepted in any JSON body (webhooks, API, admin JSON fields).
JSON_MAX_DEPTH = env.int("JSON_MAX_DEPTH", default=32)
# Seconds before each attempt, as Standard Webhooks senders retry: at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
INBOX_RETRY_SCHEDULE = env.list("INBOX_RETRY_SCHEDULE", cast=int, default=[0, 5, 300, 1800, 7200, 18000, 36000, 36000])
INBOX_COUNTDOWN_MAX_S = env.int("INBOX_COUNTDOWN_MAX_S", default=60)
INBOX_STUCK_AFTER_S = env.int("INBOX_STUCK_AFTER_S", default=300)
INBOX_RESEND_AFTER_S = env.int("INBOX_RESEND_AFTER_S", default=30)
INBOX_RETENTION_DAYS = env.int("INBOX_RETENTION_DAYS", default=30)
# Events one processing task claims and finishes together, and batches one drain task runs before it hands over.
INBOX_BATCH_SIZE = env.int("INBOX_BATCH_SIZE", default=100)
INBOX_DRAIN_MAX_BATCHES = env.int("INBOX_DRAIN_MAX_BATCHES", default=10)
DATA_UPLOAD_MAX_MEMORY_SIZE = max(WEBHOOK_MAX_BYTES + 1, 2621440)
N8N_RUN_TIMEOUT_S = env.int("N8N_RUN_TIMEOUT_S", default=300)
N8N_HTTP_TIMEOUT_S = env.float("N8N_HTTP_TIMEOUT_S", default=10.0)

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="json")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "apps.core.logging.ContextFilter"}},
    "formatters": {
        "json": {"()": "apps.core.logging.JsonFormatter"},
        "plain": {
            "()": "apps.core.logging.PlainFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["context"],
            "formatter": LOG_FORMAT if LOG_FORMAT in ("json", "plain") else "json",
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.server": {"level": "WARNING", "propagate": True},  # to the console handler, redacted
        "axes": {"level": "WARNING"},
    },
}

# Error Center: spike detection, alert rules, retention
SPIKE_WINDOW_MINUTES = env.int("SPIKE_WINDOW_MINUTES", default=10)
SPIKE_MIN_COUNT = env.int("SPIKE_MIN_COUNT", default=10)
SPIKE_BASELINE_FACTOR = env.float("SPIKE_BASELINE_FACTOR", default=3.0)
SPIKE_MIN_TENANTS = env.int("SPIKE_MIN_TENANTS", default=3)
SPIKE_BASELINE_DAYS = env.int("SPIKE_BASELINE_DAYS", default=7)
EVENT_RETENTION_DAYS = env.int("EVENT_RETENTION_DAYS", default=90)
EVENT_PURGE_BATCH = env.int("EVENT_PURGE_BATCH", default=5000)

# The covering index on SystemEvent is PostgreSQL-only; on the embedded SQLite it is a plain index.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# Tickets: solved tickets close after this many days; "breaching soon" looks this far ahead.
TICKET_AUTOCLOSE_DAYS = env.int("TICKET_AUTOCLOSE_DAYS", default=4)
TICKET_SLA_SOON_MINUTES = env.int("TICKET_SLA_SOON_MINUTES", default=60)

# Incidents: Slack incoming webhook for on-call notifications (empty: email and per-roster webhooks only),
# its client's timeout and retries, and how close to the baseline an error rate must be to count as recovered.
SLACK_WEBHOOK_URL = env.str("SLACK_WEBHOOK_URL", default="")
SLACK_TIMEOUT_S = env.float("SLACK_TIMEOUT_S", default=5.0)
SLACK_RETRIES = env.int("SLACK_RETRIES", default=3)
SLACK_BACKOFF_S = env.float("SLACK_BACKOFF_S", default=1.0)
SLACK_RETRY_AFTER_MAX_S = env.float("SLACK_RETRY_AFTER_MAX_S", default=30.0)
INCIDENT_RECOVERY_TOLERANCE = env.float("INCIDENT_RECOVERY_TOLERANCE", default=1.5)

# Health: checks, monitors and maintenance windows (apps.health).
HEALTH_HTTP_TIMEOUT = env.float("HEALTH_HTTP_TIMEOUT", default=5.0)
HEALTH_MONITOR_INTERVAL_SECONDS = env.int("HEALTH_MONITOR_INTERVAL_SECONDS", default=300)
HEALTH_FAILURE_THRESHOLD = env.int("HEALTH_FAILURE_THRESHOLD", default=2)
HEALTH_DB_LATENCY_MS = env.float("HEALTH_DB_LATENCY_MS", default=500.0)
HEALTH_QUEUE_DEPTH_MAX = env.int("HEALTH_QUEUE_DEPTH_MAX", default=1000)
HEALTH_PENDING_AGE_MAX_S = env.int("HEALTH_PENDING_AGE_MAX_S", default=900)
HEALTH_DEAD_LETTERS_MAX = env.int("HEALTH_DEAD_LETTERS_MAX", default=5)
HEALTH_USAGE_FAIL_PERCENT = env.float("HEALTH_USAGE_FAIL_PERCENT", default=100.0)
HEALTH_PLATFORM_TENANTS = env.list("HEALTH_PLATFORM_TENANTS", default=[])
HEALTH_RESULT_RETENTION_DAYS = env.int("HEALTH_RESULT_RETENTION_DAYS", default=30)
# Inbound silence: a connection with at least SILENCE_MIN_EVENTS inbound events in the last
# SILENCE_LOOKBACK_DAYS is silent once it has received nothing for SILENCE_GAP_MULTIPLE times its
# usual gap (the events its hours of the week usually bring add up to that many).
SILENCE_LOOKBACK_DAYS = env.int("SILENCE_LOOKBACK_DAYS", default=14)
SILENCE_MIN_EVENTS = env.int("SILENCE_MIN_EVENTS", default=28)
SILENCE_GAP_MULTIPLE = env.float("SILENCE_GAP_MULTIPLE", default=4.0)
# PMS reservations API (apps.integrations.pms.client) and manual sync: a PMS connection whose last
# successful sync or webhook is older than PMS_STALE_AFTER_HOURS shows as stale.
PMS_HTTP_CONNECT_TIMEOUT_S = env.float("PMS_HTTP_CONNECT_TIMEOUT_S", default=3.0)
PMS_HTTP_TIMEOUT_S = env.float("PMS_HTTP_TIMEOUT_S", default=15.0)
PMS_SYNC_DEFAULT_HOURS = env.int("PMS_SYNC_DEFAULT_HOURS", default=72)
PMS_STALE_AFTER_HOURS = env.int("PMS_STALE_AFTER_HOURS", default=24)

# Outbound messages (apps.outbound): frequency cap for contacts of tenants without their own
# default, pacing per connection and per contact, provider clients' timeouts, retries and backoff.
OUTBOUND_DEFAULT_FREQUENCY_CAP = env.int("OUTBOUND_DEFAULT_FREQUENCY_CAP", default=10)
OUTBOUND_DEFAULT_FREQUENCY_WINDOW_S = env.int("OUTBOUND_DEFAULT_FREQUENCY_WINDOW_S", default=86400)
OUTBOUND_CONTACT_INTERVAL_S = env.float("OUTBOUND_CONTACT_INTERVAL_S", default=6.0)
OUTBOUND_META_RATE_PER_S = env.float("OUTBOUND_META_RATE_PER_S", default=80.0)
# The most a WhatsApp Cloud number's bucket holds (a burst); 0: one second's worth. Any 1 s sends at
# most burst + rate, so a burst of rate/10 keeps every second within 1.1x the pace.
OUTBOUND_META_BURST = env.float("OUTBOUND_META_BURST", default=0.0)
OUTBOUND_WAHA_INTERVAL_S = env.float("OUTBOUND_WAHA_INTERVAL_S", default=3.0)
OUTBOUND_WAHA_JITTER_S = env.float("OUTBOUND_WAHA_JITTER_S", default=2.0)
OUTBOUND_TELEGRAM_RATE_PER_S = env.float("OUTBOUND_TELEGRAM_RATE_PER_S", default=25.0)
OUTBOUND_HTTP_CONNECT_TIMEOUT_S = env.float("OUTBOUND_HTTP_CONNECT_TIMEOUT_S", default=3.05)
OUTBOUND_HTTP_TIMEOUT_S = env.float("OUTBOUND_HTTP_TIMEOUT_S", default=10.0)
OUTBOUND_MAX_ATTEMPTS = env.int("OUTBOUND_MAX_ATTEMPTS", default=5)
OUTBOUND_BACKOFF_BASE_S = env.float("OUTBOUND_BACKOFF_BASE_S", default=5.0)
OUTBOUND_BACKOFF_MAX_S = env.float("OUTBOUND_BACKOFF_MAX_S", default=900.0)
OUTBOUND_SENDING_STUCK_S = env.int("OUTBOUND_SENDING_STUCK_S", default=600)
OUTBOUND_PROCESS_BATCH = env.int("OUTBOUND_PROCESS_BATCH", default=1000)
# The per-connection dispatcher: messages claimed per batch (at most what the bucket holds), how
# long one run drains before handing on, the longest bucket wait it sleeps through, and how many
# Graph API requests one number has in flight.
OUTBOUND_DISPATCH_BATCH = env.int("OUTBOUND_DISPATCH_BATCH", default=80)
OUTBOUND_DISPATCH_RUN_S = env.float("OUTBOUND_DISPATCH_RUN_S", default=20.0)
OUTBOUND_DISPATCH_MAX_SLEEP_S = env.float("OUTBOUND_DISPATCH_MAX_SLEEP_S", default=1.0)
OUTBOUND_META_SEND_THREADS = env.int("OUTBOUND_META_SEND_THREADS", default=8)
# How far ahead of a WhatsApp Cloud number's bucket a drain claims (seconds of the pace): the next
# batch is claimed while the last is still being sent, one send every 1/pace s, so batches follow
# each other without a gap and no second ever holds more than the pace.
OUTBOUND_META_LOOKAHEAD_S = env.float("OUTBOUND_META_LOOKAHEAD_S", default=0.5)
OUTBOUND_ATTEMPT_RETENTION_DAYS = env.int("OUTBOUND_ATTEMPT_RETENTION_DAYS", default=90)
# The Graph API: a base with or without its version (apps.integrations.meta.graph adds exactly one).
META_GRAPH_BASE_URL = env.str("META_GRAPH_BASE_URL", default="https://graph.facebook.com")
META_GRAPH_API_VERSION = env.str("META_GRAPH_API_VERSION", default="v21.0")
TELEGRAM_API_BASE_URL = env.str("TELEGRAM_API_BASE_URL", default="https://api.telegram.org")
# The platform's own Telegram bot (apps.platform_bot): its token, the secret Telegram sends back in
# X-Telegram-Bot-Api-Secret-Token on every webhook delivery, the HMAC key of signup PINs, and which
# bound superuser receives signups (empty: the earliest-bound active superuser). No token: the bot,
# signup by PIN and Telegram alerts are off, and say so.
TELEGRAM_BOT_TOKEN = env.str("TELEGRAM_BOT_TOKEN", default="")
TELEGRAM_WEBHOOK_SECRET = env.str("TELEGRAM_WEBHOOK_SECRET", default="")
SIGNUP_PIN_SECRET = env.str("SIGNUP_PIN_SECRET", default="")
SIGNUP_OWNER_USERNAME = env.str("SIGNUP_OWNER_USERNAME", default="")
# Seconds webhook_status() keeps getWebhookInfo's answer; minutes a /bind code is valid.
TELEGRAM_STATUS_CACHE_S = env.int("TELEGRAM_STATUS_CACHE_S", default=60)
TELEGRAM_BIND_CODE_MINUTES = env.int("TELEGRAM_BIND_CODE_MINUTES", default=10)
# Incident alerts through the platform bot: tries per alert when Telegram rate-limits (429), fails
# (5xx) or does not answer, and the backoff between tries (never sooner than Telegram's retry_after).
TELEGRAM_ALERT_MAX_ATTEMPTS = env.int("TELEGRAM_ALERT_MAX_ATTEMPTS", default=5)
TELEGRAM_ALERT_RETRY_BASE_S = env.float("TELEGRAM_ALERT_RETRY_BASE_S", default=15.0)
TELEGRAM_ALERT_RETRY_CAP_S = env.float("TELEGRAM_ALERT_RETRY_CAP_S", default=300.0)

# Knowledge sync from Chatwoot (apps.knowledge.sync): minutes between scheduled runs, how far before
# a source's watermark a run starts again (late-arriving activity), the API client's timeouts, tries
# on 429/5xx and the backoff between them (a Retry-After longer than the cap fails the run instead).
CHATWOOT_SYNC_EVERY_MINUTES = env.int("CHATWOOT_SYNC_EVERY_MINUTES", default=5)
CHATWOOT_SYNC_OVERLAP_MINUTES = env.int("CHATWOOT_SYNC_OVERLAP_MINUTES", default=10)
CHATWOOT_CONNECT_TIMEOUT_S = env.float("CHATWOOT_CONNECT_TIMEOUT_S", default=3.05)
CHATWOOT_TIMEOUT_S = env.float("CHATWOOT_TIMEOUT_S", default=15.0)
CHATWOOT_MAX_ATTEMPTS = env.int("CHATWOOT_MAX_ATTEMPTS", default=4)
CHATWOOT_BACKOFF_BASE_S = env.float("CHATWOOT_BACKOFF_BASE_S", default=1.0)
CHATWOOT_BACKOFF_MAX_S = env.float("CHATWOOT_BACKOFF_MAX_S", default=30.0)

# Knowledge embeddings (apps.knowledge.embedding): the provider ("local": the offline multilingual
# model shipped in a PyPI wheel; "openai": any OpenAI-compatible /v1/embeddings at OPENAI_BASE_URL
# with OPENAI_API_KEY), its model, chunks per request (halved within a run on 413/429/timeouts),
# BLAS threads of the local model (one was fastest), the HTTP timeouts, the longest Retry-After a
# run waits out (longer: the run stops and the next one goes on), failures before a chunk is
# `failed`, and minutes between scheduled runs.
EMBEDDINGS_PROVIDER = env.str("EMBEDDINGS_PROVIDER", default="local")
EMBEDDINGS_MODEL = env.str("EMBEDDINGS_MODEL", default="text-embedding-3-small")
EMBED_BATCH_SIZE = env.int("EMBED_BATCH_SIZE", default=64)
EMBEDDINGS_THREADS = env.int("EMBEDDINGS_THREADS", default=1)
EMBEDDINGS_TIMEOUT_S = env.float("EMBEDDINGS_TIMEOUT_S", default=30.0)
EMBEDDINGS_CONNECT_TIMEOUT_S = env.float("EMBEDDINGS_CONNECT_TIMEOUT_S", default=3.05)
EMBEDDINGS_RETRY_AFTER_MAX_S = env.float("EMBEDDINGS_RETRY_AFTER_MAX_S", default=30.0)
EMBEDDINGS_MAX_FAILURES = env.int("EMBEDDINGS_MAX_FAILURES", default=3)
EMBED_EVERY_MINUTES = env.int("EMBED_EVERY_MINUTES", default=2)

# AI gateway (apps.ai): providers (OpenAI-compatible HTTP APIs; no key = skipped), their models, the
# read timeout of one provider call and the connect timeout, the longest Retry-After waited out
# within one request, the circuit (failures in a row that open it, seconds it stays open), and days
# of AI requests kept.
OPENROUTER_API_KEY = env.str("OPENROUTER_API_KEY", default="")
OPENROUTER_BASE_URL = env.str("OPENROUTER_BASE_URL", default="https://openrouter.ai/api/v1")
OPENROUTER_MODEL = env.str("OPENROUTER_MODEL", default="openai/gpt-4o-mini")
OPENROUTER_SITE_URL = env.str("OPENROUTER_SITE_URL", default="") or SITE_URL
OPENROUTER_APP_TITLE = env.str("OPENROUTER_APP_TITLE", default="Opsdesk")
OPENAI_API_KEY = env.str("OPENAI_API_KEY", default="")
OPENAI_BASE_URL = env.str("OPENAI_BASE_URL", default="https://api.openai.com/v1")
OPENAI_MODEL = env.str("OPENAI_MODEL", default="gpt-4o-mini")
AI_TIMEOUT_S = env.float("AI_TIMEOUT_S", default=20.0)
AI_CONNECT_TIMEOUT_S = env.float("AI_CONNECT_TIMEOUT_S", default=3.05)
AI_RETRY_AFTER_MAX_S = env.float("AI_RETRY_AFTER_MAX_S", default=2.0)
AI_CIRCUIT_FAILURES = env.int("AI_CIRCUIT_FAILURES", default=5)
AI_CIRCUIT_COOLDOWN_S = env.int("AI_CIRCUIT_COOLDOWN_S", default=60)
AI_REQUEST_RETENTION_DAYS = env.int("AI_REQUEST_RETENTION_DAYS", default=90)
# A tenant with at most this many AI requests left under its daily or monthly limit counts each
# request before the provider call (one more atomic statement), so concurrent calls cannot pass the
# limit; keep it above the number of AI calls all web threads and workers can make at once.
AI_LIMIT_RESERVE_WITHIN = env.int("AI_LIMIT_RESERVE_WITHIN", default=32)
# The AI billing alert: cost per UTC day above this (USD) goes critical (80 % of it warns); 0: no budget.
AI_DAILY_COST_BUDGET_USD = env.float("AI_DAILY_COST_BUDGET_USD", default=20.0)
# The probe ("Test with a single request", manage.py ai_probe, the AI provider monitor): its read timeout (s).
AI_PROBE_TIMEOUT_S = env.float("AI_PROBE_TIMEOUT_S", default=10.0)
# The OpenAI-compatible endpoint (apps.ai.validation): most messages, characters of content and
# max_tokens one request may ask for; a body past them is a 400 in OpenAI's error shape.
AI_API_MAX_MESSAGES = env.int("AI_API_MAX_MESSAGES", default=100)
AI_API_MAX_PROMPT_CHARS = env.int("AI_API_MAX_PROMPT_CHARS", default=32000)
AI_API_MAX_COMPLETION_TOKENS = env.int("AI_API_MAX_COMPLETION_TOKENS", default=4096)
# AI bots (apps.ai.bots): earlier messages of the conversation sent with a customer's new one.
AI_BOT_HISTORY_MESSAGES = env.int("AI_BOT_HISTORY_MESSAGES", default=10)
# The most tokens a bot's answer may take (about 3,000 characters of English: one chat message; a
# longer answer still goes out, split into several).
AI_BOT_MAX_TOKENS = env.int("AI_BOT_MAX_TOKENS", default=800)
# AI abuse (apps.ai.abuse): one contact sending more than BURST_MESSAGES AI requests within
# BURST_WINDOW_S seconds, or the same message REPEAT_MESSAGES times in a row, gets no AI reply for
# THROTTLE_S seconds (one event and one review ticket per throttle window). A tenant whose
# guardrail violations spike (the spike detector) or whose AI requests in the spike window reach
# TENANT_MIN_REQUESTS and SPIKE_BASELINE_FACTOR times its baseline gets a "tenant abuse" incident.
AI_ABUSE_BURST_MESSAGES = env.int("AI_ABUSE_BURST_MESSAGES", default=20)
AI_ABUSE_BURST_WINDOW_S = env.int("AI_ABUSE_BURST_WINDOW_S", default=60)
AI_ABUSE_REPEAT_MESSAGES = env.int("AI_ABUSE_REPEAT_MESSAGES", default=5)
AI_ABUSE_THROTTLE_S = env.int("AI_ABUSE_THROTTLE_S", default=900)
AI_ABUSE_TENANT_MIN_REQUESTS = env.int("AI_ABUSE_TENANT_MIN_REQUESTS", default=300)

# Backups (apps.backups): `manage.py backup` dumps the database as its owner (DATABASE_OWNER_URL,
# else DATABASE_URL) into the STORAGES alias BACKUP_STORAGE ("backups": BACKUP_DIR on this machine,
# or BACKUP_STORAGE_BACKEND with BACKUP_STORAGE_OPTIONS as JSON), encrypted with AES-GCM when
# BACKUP_ENCRYPTION_KEY (32 bytes, url-safe base64) is set. Retention keeps the newest backup of each
# of the last KEEP_DAILY days, KEEP_WEEKLY ISO weeks and KEEP_MONTHLY months. The backup_freshness
# check fails when the last good backup is older than BACKUP_MAX_AGE_HOURS or the last passed drill
# older than BACKUP_DRILL_MAX_AGE_DAYS; the drill's RPO check wants rows younger than BACKUP_RPO_HOURS.
BACKUP_STORAGE = env.str("BACKUP_STORAGE", default="") or "backups"
BACKUP_DIR = Path(env.str("BACKUP_DIR", default="") or RUN_DIR / "backups")
STORAGES["backups"] = {
    "BACKEND": env.str("BACKUP_STORAGE_BACKEND", default="") or "django.core.files.storage.FileSystemStorage",
    "OPTIONS": (env.json("BACKUP_STORAGE_OPTIONS") if env.str("BACKUP_STORAGE_OPTIONS", default="") else {})
    or {"location": str(BACKUP_DIR)},
}
# Who dumps and restores: the owner (sees every row whatever row-level security says), else the app.
BACKUP_DATABASE_URL = env.str("DATABASE_OWNER_URL", default="") or env.str("DATABASE_URL", default="")
BACKUP_ENCRYPTION_KEY = env.str("BACKUP_ENCRYPTION_KEY", default="")
BACKUP_KEEP_DAILY = env.int("BACKUP_KEEP_DAILY", default=7)
BACKUP_KEEP_WEEKLY = env.int("BACKUP_KEEP_WEEKLY", default=4)
BACKUP_KEEP_MONTHLY = env.int("BACKUP_KEEP_MONTHLY", default=6)
BACKUP_MAX_AGE_HOURS = env.float("BACKUP_MAX_AGE_HOURS", default=26.0)
BACKUP_DRILL_MAX_AGE_DAYS = env.float("BACKUP_DRILL_MAX_AGE_DAYS", default=8.0)
BACKUP_RPO_HOURS = env.float("BACKUP_RPO_HOURS", default=26.0)
# Parallel jobs of pg_restore in the drill and `manage.py restore` (the dump is a file, so -j works).
BACKUP_RESTORE_JOBS = env.int("BACKUP_RESTORE_JOBS", default=1)

# AI drafts in Chatwoot (apps.drafts): the conversation's latest messages used as the search query
# and the AI's context; a drafting or publishing claim older than DRAFTS_CLAIM_STALE_S is a worker
# that died (the sweeper hands the draft to another); a note or reply Chatwoot refused is tried
# DRAFTS_MAX_ATTEMPTS times in all, with exponential backoff from DRAFTS_BACKOFF_BASE_S up to
# DRAFTS_BACKOFF_MAX_S seconds.
DRAFTS_HISTORY_MESSAGES = env.int("DRAFTS_HISTORY_MESSAGES", default=6)
DRAFTS_CLAIM_STALE_S = env.int("DRAFTS_CLAIM_STALE_S", default=300)
DRAFTS_MAX_ATTEMPTS = env.int("DRAFTS_MAX_ATTEMPTS", default=5)
DRAFTS_BACKOFF_BASE_S = env.float("DRAFTS_BACKOFF_BASE_S", default=30.0)
DRAFTS_BACKOFF_MAX_S = env.float("DRAFTS_BACKOFF_MAX_S", default=600.0)
# The support_loop_e2e check (apps/drafts/e2e.py): each step's timeout, and the customer's question it
# posts when the Chatwoot connection has no support_loop_question setting.
SUPPORT_LOOP_E2E_TIMEOUT_S = env.float("SUPPORT_LOOP_E2E_TIMEOUT_S", default=60.0)
SUPPORT_LOOP_E2E_QUESTION = env.str("SUPPORT_LOOP_E2E_QUESTION", default="Hello! What time is check-in?")
