"""The catalog of event codes: every failure Opsdesk knows by name.

A code carries everything an operator or tenant needs to read an event without looking elsewhere:
how bad it is, which part of the system it concerns, a title for the Error Center, a plain
sentence for the tenant that says what they can do, and the runbook (a slug of
`apps.incidents` runbooks, one per failure mode of RUNBOOKS.md) that covers it.
"""

from dataclasses import dataclass

INFO, WARNING, ERROR, CRITICAL = "info", "warning", "error", "critical"
LEVELS = (INFO, WARNING, ERROR, CRITICAL)
LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}

CATEGORIES = (
    "whatsapp_inbound",
    "whatsapp_outbound",
    "automation",
    "limits",
    "ai",
    "webhooks",
    "sync",
    "infra",
    "auth",
    "outbound",
    "tickets",
)

RUNBOOKS = {
    "whatsapp-inbound": "WhatsApp inbound stops",
    "whatsapp-outbound": "WhatsApp outbound fails",
    "whatsapp-ban": "WhatsApp ban",
    "waha-down": "WAHA down",
    "outbound-blocked": "Outbound blocked or failing",
    "tenant-abuse": "Tenant abuse",
    "plan-limit": "Plan or limit exceeded",
    "n8n-down": "n8n down or timing out",
    "jobs-failing": "Scheduler tick or worker jobs failing",
    "redis-down": "Redis down",
    "database-down": "Database slow or down",
    "database-lost": "Database lost",
    "chatwoot-sync": "Chatwoot sync job fails",
    "embeddings-failing": "Embeddings job fails or stalls",
    "search-empty": "Search returns nothing",
    "chatwoot-down": "Chatwoot down",
    "webhook-failures": "Webhook failures and dead letters",
    "manual-fallback": "Manual fallback mode",
    "support-flow": "End-to-end support flow after an outage",
    "ticket-response": "Ticket response",
    "pms-down": "PMS down",
    "webhook-duplicates": "Webhook duplicates or missing updates",
    "ai-cost-spike": "AI cost spike",
    "ai-provider-outage": "AI provider outage",
    "auth-loop": "Auth loop / unauthorized",
    "signup-pin": "Signup disabled / PIN unavailable",
}


@dataclass(frozen=True)
class Code:
    code: str
    level: str
    category: str
    title: str
    tenant_text: str
    runbook: str

    @property
    def runbook_title(self):
        return RUNBOOKS.get(self.runbook, "")


def _code(code, level, category, title, tenant_text, runbook):
    assert level in LEVELS and category in CATEGORIES and runbook in RUNBOOKS, code
    return Code(code, level, category, title, tenant_text, runbook)


_SIGNATURE_TEXT = (
    "A message from {name} was refused because its signature did not match. Check that the "
    "webhook secret configured in {name} is the one shown in your Opsdesk connection."
)
_DEAD_LETTER_TEXT = (
    "A delivery from {name} could not be processed after several retries. Our team has been "
    "alerted and can replay it once the cause is fixed; you do not need to resend it."
)
_PROVIDERS = {
    "META": "WhatsApp (Meta)",
    "WAHA": "WhatsApp (WAHA)",
    "CHATWOOT": "Chatwoot",
    "PMS": "your hotel PMS",
    "TELEGRAM": "Telegram",
    "N8N": "n8n",
}
_PROVIDER_RUNBOOKS = {
    "META": "whatsapp-inbound",
    "WAHA": "waha-down",
    "CHATWOOT": "webhook-failures",
    "PMS": "pms-down",
    "TELEGRAM": "webhook-failures",
    "N8N": "n8n-down",
}


def _provider_codes():
    for prefix, name in _PROVIDERS.items():
        category = "whatsapp_inbound" if prefix in ("META", "WAHA") else "webhooks"
        if prefix != "META":
            yield _code(
                f"{prefix}_WEBHOOK_SIGNATURE_FAIL",
                WARNING,
                category,
                f"{name} webhook signature verification failed",
                _SIGNATURE_TEXT.format(name=name),
                "webhook-duplicates",
            )
        yield _code(
            f"{prefix}_WEBHOOK_DEAD_LETTERED",
            ERROR,
            "webhooks",
            f"{name} webhook dead-lettered after retries",
            _DEAD_LETTER_TEXT.format(name=name),
            _PROVIDER_RUNBOOKS[prefix],
        )


_CATALOG = [
    # Named by the runbooks.
    _code(
        "META_WEBHOOK_VERIFY_FAIL",
        ERROR,
        "whatsapp_inbound",
        "Meta webhook signature or subscription verification failed",
        "WhatsApp could not confirm a message sent to us. Incoming WhatsApp messages may be "
        "missing until this is fixed; our team is looking at it.",
        "whatsapp-inbound",
    ),
    _code(
        "META_WEBHOOK_TIMEOUT",
        ERROR,
        "whatsapp_inbound",
        "Meta webhook processing timed out",
        "Some incoming WhatsApp messages are arriving late. They will be processed; nothing needs to be resent.",
        "whatsapp-inbound",
    ),
    _code(
        "META_SEND_FAIL",
        ERROR,
        "whatsapp_outbound",
        "WhatsApp Cloud API refused or failed a send",
        "A WhatsApp message could not be delivered. Open Messages to see the reason; a closed "
        "24-hour window needs an approved template.",
        "whatsapp-outbound",
    ),
    _code(
        "META_TOKEN_EXPIRED",
        CRITICAL,
        "whatsapp_outbound",
        "Meta access token expired or invalid (code 190)",
        "Your WhatsApp access token has expired, so sending is paused. Generate a new "
        "permanent token in Meta Business settings and update your connection.",
        "whatsapp-outbound",
    ),
    _code(
        "N8N_TRIGGER_FAIL",
        ERROR,
        "automation",
        "n8n workflow trigger failed",
        "An automation could not be started. Check that your n8n workflow is active and its "
        "webhook URL has not changed.",
        "n8n-down",
    ),
    _code(
        "N8N_TIMEOUT",
        ERROR,
        "automation",
        "n8n run timed out",
        "An automation did not finish in time and was stopped. If it keeps happening, check "
        "your n8n workflow for slow steps.",
        "n8n-down",
    ),
    _code(
        "MESSAGE_LIMIT_EXCEEDED",
        WARNING,
        "limits",
        "Plan monthly message limit reached",
        "Your plan's monthly message limit is reached, so new messages are not sent. Upgrade "
        "your plan or wait for the next month.",
        "plan-limit",
    ),
    _code(
        "BOT_LIMIT_EXCEEDED",
        WARNING,
        "limits",
        "Plan bot limit reached",
        "Your plan's bot limit is reached. Remove a bot you no longer use or upgrade your plan to add another.",
        "plan-limit",
    ),
    _code(
        "WHATSAPP_CONNECTION_UPDATE",
        WARNING,
        "whatsapp_inbound",
        "WhatsApp connection state changed",
        "Your WhatsApp connection changed state. If it says disconnected, do not reconnect "
        "repeatedly; contact support first.",
        "whatsapp-ban",
    ),
    _code(
        "AI_FAILURE_FALLBACK_SENT",
        WARNING,
        "ai",
        "AI provider failed; fallback answer sent",
        "The AI assistant could not answer and a fallback message was sent instead. No action is needed.",
        "ai-provider-outage",
    ),
    _code(
        "AI_GUARDRAIL_VIOLATION",
        WARNING,
        "ai",
        "AI guardrail violation",
        "A conversation was stopped by the AI safety rules. Review it in your inbox.",
        "tenant-abuse",
    ),
    _code(
        "AI_ABUSE_THROTTLED",
        WARNING,
        "ai",
        "AI replies to a contact throttled (burst or repeated messages)",
        "One of your contacts sent messages so fast, or repeated the same message so often, that the AI "
        "assistant stopped answering them for a while. A ticket was opened for you to review the conversation.",
        "tenant-abuse",
    ),
    _code(
        "AI_PROVIDER_MISCONFIGURED",
        ERROR,
        "ai",
        "AI provider refused our request (configuration)",
        "The AI assistant could not answer and a fallback message was sent instead. We are fixing it.",
        "ai-provider-outage",
    ),
    _code(
        "AI_PROVIDER_CIRCUIT_OPEN",
        ERROR,
        "ai",
        "AI provider failing: skipped while it cools down",
        "The AI assistant is answering through a backup provider for now. No action is needed.",
        "ai-provider-outage",
    ),
    _code(
        "AI_PROVIDER_CIRCUIT_CLOSED",
        INFO,
        "ai",
        "AI provider answering again",
        "The AI assistant's main provider is answering again.",
        "ai-provider-outage",
    ),
    _code(
        "AI_OUTPUT_BLOCKED",
        WARNING,
        "ai",
        "AI answer blocked by the output guardrail",
        "An AI answer was held back by the safety rules and your safe reply was sent instead.",
        "tenant-abuse",
    ),
    # Policy refusals of the Foundation issue.
    _code(
        "TENANT_SUSPENDED",
        WARNING,
        "limits",
        "Action refused: tenant suspended",
        "Your account is suspended, so messages and automations are paused. Contact support.",
        "tenant-abuse",
    ),
    _code(
        "WHATSAPP_DISABLED_TENANT",
        WARNING,
        "limits",
        "Action refused: tenant WhatsApp off",
        "WhatsApp is switched off for your account. Contact support to find out when it will be back.",
        "whatsapp-ban",
    ),
    _code(
        "WHATSAPP_DISABLED_GLOBAL",
        WARNING,
        "limits",
        "Action refused: global WhatsApp off",
        "WhatsApp sending is paused for all customers while we fix a problem. Messages will not be lost.",
        "redis-down",
    ),
    _code(
        "AI_DISABLED_TENANT",
        WARNING,
        "limits",
        "Action refused: tenant AI off",
        "AI answers are switched off for your account. Contact support.",
        "tenant-abuse",
    ),
    _code(
        "AI_DAILY_LIMIT_EXCEEDED",
        WARNING,
        "limits",
        "AI daily request limit reached",
        "Your daily AI request limit is reached; AI answers resume tomorrow.",
        "ai-cost-spike",
    ),
    _code(
        "AI_MONTHLY_LIMIT_EXCEEDED",
        WARNING,
        "limits",
        "AI monthly request limit reached",
        "Your monthly AI request limit is reached. Upgrade your plan to continue this month.",
        "ai-cost-spike",
    ),
    # Webhooks, sync and integrations.
    _code(
        "WEBHOOK_PROCESSING_FAILED",
        WARNING,
        "webhooks",
        "Webhook processing failed; will retry",
        "A delivery from one of your integrations failed to process and will be retried automatically.",
        "webhook-failures",
    ),
    _code(
        "CHATWOOT_SYNC_FAILED",
        ERROR,
        "sync",
        "Chatwoot sync failed",
        "Syncing your Chatwoot inbox failed. Check the Chatwoot URL, account id and API token in your connection.",
        "chatwoot-sync",
    ),
    _code(
        "CHATWOOT_SEND_FAIL",
        ERROR,
        "webhooks",
        "Chatwoot refused an AI draft note or an approved reply",
        "Chatwoot did not accept an AI draft note or the reply an agent approved; Opsdesk tries again "
        "by itself. If it keeps failing, check that Chatwoot is up and the connection's API token is valid.",
        "chatwoot-down",
    ),
    _code(
        "AI_DRAFT_NO_KNOWLEDGE",
        INFO,
        "ai",
        "No AI draft: the knowledge found was below the confidence floor",
        "A customer's question got no AI draft because your past conversations did not answer it "
        "well enough. An agent answers it by hand; lower the draft settings' floor if this happens too often.",
        "search-empty",
    ),
    _code(
        "EMBEDDINGS_FAILED",
        ERROR,
        "sync",
        "Embeddings job failed",
        "Preparing your messages for search failed; search results may be incomplete until it succeeds.",
        "embeddings-failing",
    ),
    _code(
        "PMS_SYNC_FAILED",
        ERROR,
        "sync",
        "PMS reservation sync failed",
        "Reservations from your hotel system are not up to date. Check that the PMS is "
        "reachable and its API key is valid.",
        "pms-down",
    ),
    _code(
        "INBOUND_SILENCE",
        WARNING,
        "webhooks",
        "A connection that usually receives traffic has gone quiet",
        "We have received nothing from one of your connections for much longer than usual. Check "
        "that its webhook still points at Opsdesk and that the service is running.",
        "whatsapp-inbound",
    ),
    _code(
        "HEARTBEAT_MISSED",
        ERROR,
        "automation",
        "A heartbeat check missed its ping",
        "A scheduled job that pings Opsdesk did not ping in time. Check that the workflow or cron "
        "job is still active and running.",
        "n8n-down",
    ),
    _code(
        "HEARTBEAT_FAILED",
        ERROR,
        "automation",
        "A heartbeat check reported a failure",
        "A scheduled job reported that it failed (it pinged its /fail URL). Open the workflow's executions to see why.",
        "n8n-down",
    ),
    _code(
        "WAHA_SESSION_DOWN",
        ERROR,
        "whatsapp_outbound",
        "WAHA session down",
        "Your WhatsApp (WAHA) session is disconnected, so messages are not sent. Reconnect it by scanning the QR code.",
        "waha-down",
    ),
    _code(
        "OUTBOUND_BLOCKED",
        INFO,
        "outbound",
        "Outbound message blocked by policy",
        "A message was not sent because of a contact opt-out, a frequency cap or a switch. "
        "Open Messages to see the reason.",
        "outbound-blocked",
    ),
    _code(
        "WAHA_SEND_FAIL",
        ERROR,
        "whatsapp_outbound",
        "WAHA refused or failed a send",
        "A WhatsApp message could not be sent through your WAHA session. Open Messages to see the "
        "reason; check that the session is connected.",
        "waha-down",
    ),
    _code(
        "TELEGRAM_SEND_FAIL",
        ERROR,
        "outbound",
        "Telegram refused or failed a send (a tenant's bot; source platform_bot: the platform's own bot)",
        "A Telegram message could not be sent. Open Messages to see the reason; a contact who "
        "blocked your bot cannot be messaged.",
        "outbound-blocked",
    ),
    # The platform's own Telegram bot (signup by PIN, /bind, on-call alerts with buttons).
    _code(
        "TELEGRAM_WEBHOOK_UNAUTHORIZED",
        WARNING,
        "auth",
        "The platform bot's webhook refused a delivery with a wrong secret",
        "Sign-up approval through Telegram may be delayed. We are on it.",
        "signup-pin",
    ),
    _code(
        "PLATFORM_BOT_WEBHOOK_DEAD_LETTERED",
        ERROR,
        "webhooks",
        "A platform bot update (a command or a button press) was dead-lettered after retries",
        "A button pressed in our Telegram bot could not be processed. Our team can replay it.",
        "signup-pin",
    ),
    # Platform.
    _code(
        "HEALTH_CHECK_FAILED",
        CRITICAL,
        "infra",
        "Health check failed",
        "One of our systems is not answering. We are on it; messages are kept and will be processed.",
        "database-down",
    ),
    _code(
        "HEALTH_CHECK_RECOVERED",
        INFO,
        "infra",
        "Health check recovered",
        "A system that was failing is healthy again.",
        "database-down",
    ),
    _code(
        "RLS_VIOLATION",
        CRITICAL,
        "infra",
        "Row-level security refused a write",
        "A request was stopped from writing outside your account. Our team has been alerted.",
        "database-down",
    ),
    _code(
        "JOB_FAILED",
        ERROR,
        "infra",
        "Scheduled job failed",
        "A background task failed; our team has been alerted.",
        "jobs-failing",
    ),
    _code(
        "BACKUP_FAILED",
        ERROR,
        "infra",
        "Database backup failed",
        "A scheduled safety copy of our data failed; your data is unaffected and our team is on it.",
        "database-lost",
    ),
    _code(
        "RESTORE_DRILL_FAILED",
        ERROR,
        "infra",
        "Restore drill failed",
        "A routine test of our data recovery failed; your data is unaffected and our team is on it.",
        "database-lost",
    ),
    _code(
        "SLOW_REQUEST",
        WARNING,
        "infra",
        "Slow API response",
        "Some pages are responding slowly. We are looking into it.",
        "database-down",
    ),
    _code(
        "ERROR_SPIKE",
        CRITICAL,
        "infra",
        "Error code spiking across tenants",
        "We are seeing an unusual number of errors of one kind and are investigating.",
        "webhook-failures",
    ),
    _code(
        "ALERT_RULE_TRANSITION",
        WARNING,
        "infra",
        "Alert rule changed state",
        "An alert about our platform changed state.",
        "webhook-failures",
    ),
    _code(
        "AUTH_FAILURES",
        WARNING,
        "auth",
        "Repeated authentication failures",
        "Several sign-in attempts failed; the account may be locked for 15 minutes.",
        "auth-loop",
    ),
    _code(
        "SLOW_QUERY",
        WARNING,
        "infra",
        "Slow database query",
        "Some pages and jobs are slower than usual. We are looking into it.",
        "database-down",
    ),
    _code(
        "DATABASE_UNAVAILABLE",
        CRITICAL,
        "infra",
        "Database connection errors (counted while it was down)",
        "Our database was unreachable for a while; webhooks were refused with a retry and nothing was lost.",
        "database-down",
    ),
    _code(
        "AUTH_LOGIN_FAILED",
        INFO,
        "auth",
        "Failed login",
        "A sign-in attempt failed (wrong username or password).",
        "auth-loop",
    ),
    _code(
        "AUTH_LOCKED_OUT",
        WARNING,
        "auth",
        "Login locked out after repeated failures",
        "An account or address was locked out after repeated failed sign-ins; it unlocks by itself.",
        "auth-loop",
    ),
    _code(
        "AUTH_PROBE_FAILED",
        CRITICAL,
        "auth",
        "Authentication is down (the synthetic login failed)",
        "Signing in may not work right now. We are on it.",
        "auth-loop",
    ),
    _code(
        "META_TOKEN_EXPIRING",
        WARNING,
        "whatsapp_outbound",
        "Meta access token expires soon",
        "Your WhatsApp access token expires soon. Generate a new one (a system-user token does not expire) "
        "and save it in Integrations before it stops your messages.",
        "whatsapp-outbound",
    ),
    _code(
        "SLA_BREACHED",
        ERROR,
        "tickets",
        "Ticket SLA breached",
        "A support ticket went past its response target. An agent has been alerted.",
        "ticket-response",
    ),
    _code(
        "MANUAL_MODE_ON",
        WARNING,
        "automation",
        "Fallback manual mode switched on",
        "Our team is answering your customers by hand for now: AI replies and drafts are paused, and "
        "customers' WhatsApp and Telegram messages become tickets. Replies may take longer.",
        "manual-fallback",
    ),
    _code(
        "MANUAL_MODE_OFF",
        INFO,
        "automation",
        "Fallback manual mode switched off (conversations handed back)",
        "Automation answers your customers again; the conversations answered by hand were handed back.",
        "manual-fallback",
    ),
    _code(
        "MANUAL_MODE_TENANT",
        INFO,
        "ai",
        "AI reply refused: the tenant is in manual mode",
        "An AI reply or draft was not made because your account is in manual mode: people answer for now.",
        "manual-fallback",
    ),
    _code(
        "MANUAL_MODE_GLOBAL",
        INFO,
        "ai",
        "AI reply refused: manual mode platform-wide",
        "An AI reply or draft was not made because support runs by hand platform-wide for now.",
        "manual-fallback",
    ),
    *_provider_codes(),
]

CATALOG = {entry.code: entry for entry in _CATALOG}


def get(code):
    """The catalog entry for `code`, or None for an unknown one."""
    return CATALOG.get(code)


def codes_in_category(category):
    return [entry.code for entry in _CATALOG if entry.category == category]


def choices():
    return [(entry.code, f"{entry.code} — {entry.title}") for entry in _CATALOG]
