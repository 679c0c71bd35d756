"""Local HTTP servers that play the providers (Graph API, WAHA, Chatwoot, Telegram, n8n, PMS,
Slack, AI providers) in tests: real sockets, real status codes and error bodies."""
