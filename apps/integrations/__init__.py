"""Connections to the providers tenants use, the inbound webhook pipeline, and one package per
provider (client, verifier, handlers, health probe)."""
