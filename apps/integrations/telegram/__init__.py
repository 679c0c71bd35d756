"""telegram: client, webhook verifier, handlers and health probe."""
