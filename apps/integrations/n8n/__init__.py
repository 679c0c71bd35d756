"""n8n: client, webhook verifier, handlers and health probe."""
