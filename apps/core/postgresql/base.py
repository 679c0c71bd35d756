"""Django's PostgreSQL backend, with two additions. Settings select it for every postgres://
DATABASE_URL.

Connection timing for Prometheus: with persistent connections (CONN_MAX_AGE) there is no pool to
ask how long a request waited for a connection: a request reuses its thread's connection (no wait)
or opens one. This backend observes how long opening one takes (`opsdesk_db_connect_duration_seconds`)
and counts the ones that fail (`opsdesk_db_connect_errors_total`); how many connections are open is
read from pg_stat_activity at scrape time.

The row-level security context (apps/core/db_context.py): every query passes
`db_context.before_query`, and the connection remembers which context its session holds,
forgetting it whenever a rollback may have undone a set_config.

Prepared statements, for the hot statements only (`db_context.fetch_hot`): Django's own cursors
bind on the client and never prepare; settings give the connection a `prepare_threshold` that only
an explicit request reaches (DB_PREPARED_STATEMENTS, on by default)."""

import time

from django.db.backends.postgresql import base

from apps.core import db_context
from apps.core import metrics_prometheus as prom


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rls_state = db_context.NONE
        self.execute_wrappers.append(db_context.before_query)

    def connect(self):
        started = time.perf_counter()
        try:
            super().connect()
        except Exception:
            prom.inc(prom.DB_CONNECT_ERRORS, alias=self.alias)
            raise
        prom.observe(prom.DB_CONNECT, time.perf_counter() - started, alias=self.alias)

    def init_connection_state(self):
        self.rls_state = db_context.NONE
        super().init_connection_state()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self.rls_state = db_context.UNKNOWN

    def _savepoint_rollback(self, sid):
        """Forgotten after, not before: ROLLBACK TO SAVEPOINT itself passes the execute wrapper,
        and setting the context first would fail in the aborted transaction it is there to end."""
        try:
            return super()._savepoint_rollback(sid)
        finally:
            self.rls_state = db_context.UNKNOWN

    def hot_cursor(self):
        """Django's cursor (its execute wrappers, query log and error translation) around a
        `db_context.PreparedCursor`, for `db_context.fetch_hot`; opened as `cursor()` opens one."""
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            return self._prepare_cursor(db_context.PreparedCursor(self.connection))

    def _close(self):
        self.rls_state = db_context.UNKNOWN
        return super()._close()
