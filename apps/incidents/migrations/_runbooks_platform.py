"""Runbook content frozen for the data migration: data, support platform, integrations, AI and
accounts."""

RUNBOOKS = [
    {
        "slug": "database-down",
        "title": "Database slow or down",
        "symptom": "API answers take more than two seconds, slow-request events appear, or the application "
        "cannot reach the database at all.",
        "impact": "Everything that reads or writes slows down or fails: sev1 when it is down.",
        "checks": ["database_latency", "celery_workers"],
        "fix": "Look at the provider's status, the connection-pool limits and the slowest queries; reduce "
        "concurrent connections. After recovery reconnect clients and restart the API; then add the "
        "missing indexes, grow the pool or the tier.",
        "evidence": "Latency samples before and after, the slow queries, the pool size at the time.",
        "codes": ["HEALTH_CHECK_FAILED", "HEALTH_CHECK_RECOVERED", "SLOW_REQUEST"],
    },
    {
        "slug": "chatwoot-sync",
        "title": "Chatwoot sync job fails",
        "symptom": "CHATWOOT_SYNC_FAILED events; the tenant's Chatwoot inbox is out of date.",
        "impact": "Agents in Chatwoot miss conversations for one tenant.",
        "checks": ["connection_chatwoot", "celery_workers"],
        "fix": "Read the job's error; check the Chatwoot base URL, API token and account id of the connection; "
        "fix them and run the sync again.",
        "evidence": "The failing endpoint, the account and inbox ids, the error before and the result after.",
        "codes": ["CHATWOOT_SYNC_FAILED"],
    },
    {
        "slug": "embeddings-failing",
        "title": "Embeddings job fails or stalls",
        "symptom": "EMBEDDINGS_FAILED events, or the embeddings backlog stops shrinking.",
        "impact": "Search and AI answers work from stale or missing material.",
        "checks": ["celery_workers", "queue_depth"],
        "fix": "Check the embedding provider key and quota and the job log; lower the batch size (20 is a safe "
        "start) and retry.",
        "evidence": "The error, the batch size used, message and chunk counts before and after.",
        "codes": ["EMBEDDINGS_FAILED"],
    },
    {
        "slug": "search-empty",
        "title": "Search returns nothing",
        "symptom": "Searches that should match return no results.",
        "impact": "Agents and the AI cannot find a tenant's knowledge.",
        "checks": ["queue_depth", "celery_workers"],
        "fix": "Finish pending syncs first, then run embeddings when none are ready; make sure the right project "
        "is selected, that it has messages and chunks in the ready state and that the embedding key is "
        "set.",
        "evidence": "Pending syncs, ready embeddings and chunk counts per project before and after.",
        "codes": [],
    },
    {
        "slug": "chatwoot-down",
        "title": "Chatwoot down",
        "symptom": "The health check of Chatwoot fails (its health endpoint does not answer 200), the dashboard "
        "shows it offline, customers cannot reach support.",
        "impact": "Support is unreachable: sev1 for the platform's own Chatwoot, sev3 for one tenant's.",
        "checks": ["connection_chatwoot", "redis_ping", "database_latency", "dead_letters_last_hour"],
        "fix": "Within five minutes confirm the scope from the health endpoint and switch to manual fallback "
        "(notice in the support channel, email fallback, status page). Then look at its logs, "
        "connectivity, database, Redis, email and storage. When it is back: health green, a test webhook "
        "delivered, the backlog sorted by SLA risk and assigned.",
        "evidence": "The health check history with latency, the time of the switch to fallback and back, the "
        "backlog size.",
        "codes": [],
    },
    {
        "slug": "webhook-failures",
        "title": "Webhook failures and dead letters",
        "symptom": "Dead letters accumulate, retry metrics show failures, the receiving service gets nothing.",
        "impact": "Deliveries from one provider (or all) are delayed until they are replayed.",
        "checks": ["dead_letters_last_hour", "queue_depth", "celery_workers", "redis_ping"],
        "fix": "Check the receiving service's health, recent webhook logs and the signing secret on both sides; "
        "group the retries by attempts and final status; read a dead letter's payload and last error; "
        "try the endpoint by hand. Once fixed, replay the dead letters and watch retries for 30 minutes.",
        "evidence": "Dead letters before and after the replay, the last error of a sample, retry outcomes.",
        "codes": [
            "WEBHOOK_PROCESSING_FAILED",
            "ERROR_SPIKE",
            "ALERT_RULE_TRANSITION",
            "CHATWOOT_WEBHOOK_DEAD_LETTERED",
            "TELEGRAM_WEBHOOK_DEAD_LETTERED",
        ],
    },
    {
        "slug": "manual-fallback",
        "title": "Manual fallback mode",
        "symptom": "Automation is down long enough that support has to run by hand.",
        "impact": "Slower answers; SLA risk for every open ticket.",
        "checks": ["connection_chatwoot", "celery_workers", "dead_letters_last_hour"],
        "fix": "Run support over email only, track each conversation and its SLA by hand, tell customers answers "
        "are slower. To leave fallback: health 200, an authenticated API probe passes, a test webhook "
        "arrives, the agent service is healthy, an end-to-end conversation completes, SLA monitoring is "
        "on again, the team is told.",
        "evidence": "When fallback started and ended, the restore checklist with who ticked each item.",
        "codes": [],
    },
    {
        "slug": "support-flow",
        "title": "End-to-end support flow after an outage",
        "symptom": "After an outage, nobody has yet shown that a conversation goes all the way through.",
        "impact": "A silent break in the chain would go unnoticed until customers complain.",
        "checks": ["connection_chatwoot", "celery_workers", "queue_depth"],
        "fix": "Create a conversation in Chatwoot, see its webhook arrive, see the AI draft appear as a private "
        "note, approve and publish it, and confirm the customer side received the reply.",
        "evidence": "The ids of the test conversation and of each step, with times.",
        "codes": [],
    },
    {
        "slug": "ticket-response",
        "title": "Ticket response",
        "symptom": "A ticket is waiting for an answer, or its SLA breached.",
        "impact": "One tenant waits; breaches count against the SLA.",
        "checks": ["tenant_switches", "tenant_usage"],
        "fix": "Read the ticket's context (tenant, priority, last activity), look for correlated events in the "
        "Error Center, answer with the steps and an ETA, then set it pending or solved.",
        "evidence": "The correlated events linked to the ticket, the reply sent and the SLA times.",
        "codes": ["SLA_BREACHED"],
    },
    {
        "slug": "pms-down",
        "title": "PMS down",
        "symptom": "PMS webhooks time out, reservation syncs fail, reservations go stale.",
        "impact": "Hotel tenants work from old reservations; confirmations may go out wrong.",
        "checks": ["connection_pms", "dead_letters_last_hour", "queue_depth"],
        "fix": "Check the PMS status, its credentials, that its webhook endpoint is reachable and the processing "
        "errors of inbound events; tell the tenants if it lasts. After recovery the webhooks retry; run a "
        "manual sync from the admin and look for gaps.",
        "evidence": "The PMS check result, failed syncs and dead letters, the gap found after recovery.",
        "codes": ["PMS_SYNC_FAILED", "PMS_WEBHOOK_DEAD_LETTERED"],
    },
    {
        "slug": "webhook-duplicates",
        "title": "Webhook duplicates or missing updates",
        "symptom": "The same update shows twice, or some updates never arrive; signature failures appear.",
        "impact": "Confusing data for one tenant or provider; no loss when idempotency holds.",
        "checks": ["dead_letters_last_hour", "queue_depth"],
        "fix": "Check signature validation and the webhook secret, duplicate event ids, idempotency keys and the "
        "payload schema. Idempotency keeps duplicates from being processed twice; replay the failed "
        "ones; rotate the secret if it leaked.",
        "evidence": "Duplicate event ids, signature failures per provider, the secret rotation if done.",
        "codes": [
            "WAHA_WEBHOOK_SIGNATURE_FAIL",
            "CHATWOOT_WEBHOOK_SIGNATURE_FAIL",
            "PMS_WEBHOOK_SIGNATURE_FAIL",
            "TELEGRAM_WEBHOOK_SIGNATURE_FAIL",
            "N8N_WEBHOOK_SIGNATURE_FAIL",
        ],
    },
    {
        "slug": "ai-cost-spike",
        "title": "AI cost spike",
        "symptom": "A billing alert, unexpected usage on the AI overview, one tenant above 80 % of requests.",
        "impact": "Money; possibly abuse.",
        "checks": ["tenant_usage", "tenant_switches"],
        "fix": "Find the tenant from usage by tenant and look for abuse; lower its daily and monthly AI limits or "
        "switch its AI off; then talk to the tenant: upgrade when the use is legitimate, block when not.",
        "evidence": "Usage by tenant at the time, the limits before and after, the decision and its reason.",
        "codes": ["AI_DAILY_LIMIT_EXCEEDED", "AI_MONTHLY_LIMIT_EXCEEDED"],
    },
    {
        "slug": "ai-provider-outage",
        "title": "AI provider outage",
        "symptom": "The AI provider answers 5xx, AI answers fail, AI_FAILURE_FALLBACK_SENT rises.",
        "impact": "Tenants get fallback answers instead of AI answers.",
        "checks": ["tenant_switches", "celery_workers"],
        "fix": "The fallback chain (OpenRouter, then OpenAI, then mock) should take over; to force it, set the "
        "default AI provider to mock. After the provider recovers, test one request, then switch back.",
        "evidence": "The provider errors, when the provider was switched and back, fallback counts.",
        "codes": ["AI_FAILURE_FALLBACK_SENT"],
    },
    {
        "slug": "auth-loop",
        "title": "Auth loop / unauthorized",
        "symptom": "The UI keeps bouncing to the login page; the API answers 401 or 403.",
        "impact": "Users cannot work; sev1 when it is widespread.",
        "checks": ["database_latency", "redis_ping"],
        "fix": "Check that the session cookie is set and sent back, the CSRF header on protected POSTs, the "
        "allowed CORS origin and any proxy that strips cookies. A 403 csrf_invalid clears with fresh "
        "cookies and a new login; repeated failures lock the account for a while.",
        "evidence": "The failing request's status and headers (without secrets), the audit trail of logins.",
        "codes": ["AUTH_FAILURES"],
    },
    {
        "slug": "signup-pin",
        "title": "Signup disabled / PIN unavailable",
        "symptom": "Account creation on the login page is off, or no PIN is sent.",
        "impact": "New customers cannot sign up.",
        "checks": ["database_latency", "celery_workers"],
        "fix": "Check the signup status: the Telegram bot token is present and the owner is bound; check the bot "
        "token and webhook secret settings; the owner sends /bind to the bot. Then start signup again.",
        "evidence": "The signup status before and after, the binding time.",
        "codes": [],
    },
]
