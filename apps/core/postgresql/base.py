"""Django's PostgreSQL backend with the row-level security context (apps/core/db_context.py):
every query passes `db_context.before_query`, and the connection remembers which context its
session holds, forgetting it whenever a rollback may have undone a set_config."""

from django.db.backends.postgresql import base

from apps.core import db_context


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rls_state = db_context.NONE
        self.execute_wrappers.append(db_context.before_query)

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

    def _close(self):
        self.rls_state = db_context.UNKNOWN
        return super()._close()
