"""Django's PostgreSQL backend, timing each new connection for Prometheus.

With persistent connections (CONN_MAX_AGE) there is no pool to ask how long a request waited for
a connection: a request reuses its thread's connection (no wait) or opens one. This backend
observes how long opening one takes (`opsdesk_db_connect_duration_seconds`) and counts the ones
that fail (`opsdesk_db_connect_errors_total`); how many connections are open is read from
pg_stat_activity at scrape time. Settings select it for every postgres:// DATABASE_URL."""

import time

from django.db.backends.postgresql import base

from apps.core import metrics_prometheus as prom


class DatabaseWrapper(base.DatabaseWrapper):
    def connect(self):
        started = time.perf_counter()
        try:
            super().connect()
        except Exception:
            prom.inc(prom.DB_CONNECT_ERRORS, alias=self.alias)
            raise
        prom.observe(prom.DB_CONNECT, time.perf_counter() - started, alias=self.alias)
