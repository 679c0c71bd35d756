"""Runbook content frozen for the data migration: messaging, automations and jobs.
(A leading underscore keeps Django's migration loader from reading this as a migration.)"""

RUNBOOKS = [
    {
        "slug": "whatsapp-inbound",
        "title": "WhatsApp inbound stops",
        "symptom": "Guests write on WhatsApp but nothing arrives: no inbound events for the tenant, no automation "
        "runs start, the Error Center shows Meta webhook verification failures or timeouts.",
        "impact": "Conversations go unanswered; for one tenant sev3, for every Meta tenant sev1.",
        "checks": [
            "connection_meta_token",
            "tenant_switches",
            "queue_depth",
            "dead_letters_last_hour",
            "celery_workers",
        ],
        "fix": "Confirm the app secret in Opsdesk matches the Meta app and the webhook subscription is verified; "
        "re-subscribe the WABA to the app if Meta dropped it; check the phone number id and WABA id are "
        "still active. Once deliveries verify again, replay the dead letters of the gap.",
        "evidence": "The first failing delivery and its signature error, the phone number id and WABA id, the "
        "count of dead letters before and after the replay.",
        "codes": ["META_WEBHOOK_VERIFY_FAIL", "META_WEBHOOK_TIMEOUT", "META_WEBHOOK_DEAD_LETTERED"],
    },
    {
        "slug": "whatsapp-outbound",
        "title": "WhatsApp outbound fails",
        "symptom": "Messages stay unsent or fail: META_SEND_FAIL events pile up, or META_TOKEN_EXPIRED says Meta "
        "refuses the access token (code 190). Rate-limit answers may appear as well.",
        "impact": "Tenants cannot reach their guests on WhatsApp; an expired token stops every send of that tenant.",
        "checks": ["connection_meta_token", "tenant_switches", "tenant_usage", "queue_depth"],
        "fix": "For an expired token: the tenant generates a new permanent system-user token and updates the "
        "connection. For rate limits: let the retry back-off work and lower the sending pace. Then retry "
        "the failed messages through the outbound process.",
        "evidence": "The Meta error code and message of one failed send, the token check result, the number of "
        "failed messages and when sending resumed.",
        "codes": ["META_SEND_FAIL", "META_TOKEN_EXPIRED"],
    },
    {
        "slug": "whatsapp-ban",
        "title": "WhatsApp ban",
        "symptom": "The WhatsApp connection drops, WHATSAPP_CONNECTION_UPDATE reports it disconnected and every "
        "send of the tenant fails.",
        "impact": "The tenant's number is blocked; reconnecting straight away makes the ban longer.",
        "checks": ["tenant_switches", "connection_waha", "connection_meta_token"],
        "fix": "Do not reconnect. Switch WhatsApp off for the tenant (marked as a ban), wait 24 to 48 hours, then "
        "start a new session on a different device by scanning the QR code, switch WhatsApp back on and "
        "watch the tenant's sends for an hour.",
        "evidence": "The connection-update event, when WhatsApp was switched off and on, the device used for the "
        "new session.",
        "codes": ["WHATSAPP_CONNECTION_UPDATE", "WHATSAPP_DISABLED_TENANT"],
    },
    {
        "slug": "waha-down",
        "title": "WAHA down",
        "symptom": "Sends over WAHA fail, the session shows disconnected and the QR code does not load.",
        "impact": "Tenants on WAHA cannot send or receive WhatsApp messages.",
        "checks": ["connection_waha", "tenant_switches", "dead_letters_last_hour"],
        "fix": "Check the WAHA service answers and the API key is right; restart the session and reconnect it by "
        "QR code. Failed messages retry by policy; what could not be recovered waits in the dead letters "
        "for a replay.",
        "evidence": "The session status before and after, the failed sends in the message log, dead letters replayed.",
        "codes": ["WAHA_SESSION_DOWN", "WAHA_WEBHOOK_DEAD_LETTERED"],
    },
    {
        "slug": "outbound-blocked",
        "title": "Outbound blocked or failing",
        "symptom": "A message stays in draft, approved, failed or blocked_opt_out and never reaches sent.",
        "impact": "One contact or one tenant does not get messages; usually a policy decision, not an outage.",
        "checks": ["tenant_switches", "tenant_usage", "queue_depth"],
        "fix": "Read the message's status and last error, then the contact-channel policy: an opt-out is lifted "
        "only by an explicit opt-in, a frequency cap waits for its window or a cap change, a provider "
        "error is fixed and the message retried through the outbound process.",
        "evidence": "The payload and status history, the policy values at the time, the outbound audit records.",
        "codes": ["OUTBOUND_BLOCKED"],
    },
    {
        "slug": "tenant-abuse",
        "title": "Tenant abuse",
        "symptom": "One tenant suddenly sends far more than usual, AI guardrail violations spike, content looks wrong.",
        "impact": "Risk to the platform's numbers and AI accounts, and to other tenants' delivery.",
        "checks": ["tenant_switches", "tenant_usage"],
        "fix": "Identify the tenant, switch its AI off at once, review its recent conversations; then warn, "
        "restrict or suspend it. Every decision carries a reason so it lands in the audit log.",
        "evidence": "Usage before and after, the guardrail events, the switches changed and the reasons given.",
        "codes": ["AI_GUARDRAIL_VIOLATION", "TENANT_SUSPENDED", "AI_DISABLED_TENANT"],
    },
    {
        "slug": "plan-limit",
        "title": "Plan or limit exceeded",
        "symptom": 'The tenant sees "limit reached"; no new messages go out or no new bot can be added.',
        "impact": "One tenant is held back by its plan; nothing is broken.",
        "checks": ["tenant_usage", "tenant_switches"],
        "fix": "Compare the tenant's usage counters with its plan limits. Offer an upgrade, or wait for the next "
        "period; raise a limit only with a reason.",
        "evidence": "The usage counters and limits at the time, the limit events, the plan change if any.",
        "codes": ["MESSAGE_LIMIT_EXCEEDED", "BOT_LIMIT_EXCEEDED"],
    },
    {
        "slug": "n8n-down",
        "title": "n8n down or timing out",
        "symptom": "Automation runs hang in running or end in timeout; N8N_TRIGGER_FAIL and N8N_TIMEOUT rise.",
        "impact": "Automations (booking flows, confirmations) do not run for the tenants using n8n.",
        "checks": ["connection_n8n", "stuck_automation_runs", "queue_depth"],
        "fix": "Check the n8n base URL, its token and that Opsdesk can reach it; make sure the workflow is active. "
        "Once n8n answers, clear the stuck runs by marking them failed with a reason and re-trigger what "
        "matters.",
        "evidence": "The n8n reachability result, the stuck runs and how they were cleared, the first and last "
        "failing run.",
        "codes": ["N8N_TRIGGER_FAIL", "N8N_TIMEOUT", "N8N_WEBHOOK_DEAD_LETTERED"],
    },
    {
        "slug": "jobs-failing",
        "title": "Scheduler tick or worker jobs failing",
        "symptom": "The scheduler tick reports failures, worker runs fail, backlogs of sync and embeddings grow.",
        "impact": "Background work (syncs, embeddings, sweeps) stops; effects show up slowly across tenants.",
        "checks": ["celery_workers", "queue_depth", "redis_ping", "database_latency"],
        "fix": "Read the scheduler's last error and next run, find the dependency that fails (credentials, a "
        "source binding, a rate limit), fix it, re-run the manual jobs, then tick.",
        "evidence": "The tick result, the latest failed worker runs with their errors, the upstream error.",
        "codes": ["JOB_FAILED"],
    },
    {
        "slug": "redis-down",
        "title": "Redis down",
        "symptom": "Connections to Redis are refused, queued jobs fail, WhatsApp messages are not processed.",
        "impact": "Every asynchronous path stops: sev1.",
        "checks": ["redis_ping", "celery_workers", "queue_depth"],
        "fix": "Ping Redis and restart it. To keep a backlog from building while it is down, switch WhatsApp off "
        "globally. After recovery, look for stuck jobs, switch WhatsApp back on and watch the queues "
        "drain.",
        "evidence": "The ping results before and after, how long the broker was away, queue depth while it drained.",
        "codes": ["WHATSAPP_DISABLED_GLOBAL"],
    },
]
