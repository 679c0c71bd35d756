"""The check functions, registered in apps.health.checks: platform, tenant and connection probes."""
