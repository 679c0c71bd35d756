"""Row-level security: the ONE module that tells PostgreSQL whose rows a connection may touch.

Every table with a `tenant_id` column carries a policy (apps/core/row_security.py) that lets a
row through when the session's `app.platform` is 'on' (staff pages, webhooks, platform jobs,
management commands) or its `tenant_id` equals `app.tenant_id` (portal requests, tenant API keys,
tasks enqueued on a tenant's behalf). With neither set a query sees no tenant rows at all.

How the settings reach the session. Django runs in autocommit, so a transaction-local
`set_config(…, true)` would vanish after the statement that set it. Instead the wanted context
lives in a contextvar, and an execute wrapper installed on every PostgreSQL connection
(apps/core/postgresql) compares it with what the session holds before each query; only when they
differ does it send ONE `SELECT set_config(…, false), …` first. So a run of requests for the same
tenant on a persistent connection (CONN_MAX_AGE) costs nothing, a change costs one statement, and
a context can never leak: a query made with no context (the next request, the next task) finds the
session holding the old one and resets it before running. A rollback (of a transaction or a
savepoint) may undo a set_config made inside it, so the backend forgets what it knows on rollback
and the next query sets the context again; a new connection starts empty.

Entry points open a `scope()` (no context) and then say who they act for: `use_tenant(tenant)`,
`use_platform()` for the rest of the scope, or `tenant_context()` / `platform_context()` for a
block. SQLite has no row-level security: there the contextvar is kept but nothing is sent, and the
ORM's `for_tenant` filters remain the only wall.
"""

import logging
import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps

import psycopg

from apps.core import context

logger = logging.getLogger("opsdesk.rls")


@dataclass(frozen=True)
class RlsState:
    tenant_id: str = ""
    platform: bool = False
    user_id: str = ""

    def label(self) -> str:
        if self.platform:
            return "platform"
        return f"tenant {self.tenant_id}" if self.tenant_id else "none"

    def header(self) -> str:
        """How a task carries it (config/celery.py): 'p', 't:<id>' or ''."""
        return "p" if self.platform else (f"t:{self.tenant_id}" if self.tenant_id else "")


NONE = RlsState()
PLATFORM = RlsState(platform=True)
UNKNOWN = RlsState(tenant_id="?unknown")  # never wanted: forces the next query to set the context

SET_SQL = (
    "SELECT set_config('app.tenant_id', %s, false), set_config('app.platform', %s, false), "
    "set_config('app.user_id', %s, false)"
)
VIOLATION_TABLE = re.compile(r'row-level security policy for table "([^"]+)"')
INSUFFICIENT_PRIVILEGE = "42501"

_wanted = ContextVar("rls_wanted", default=NONE)
_pending = ContextVar("rls_pending_violations", default=None)


def current() -> RlsState:
    return _wanted.get()


def tenant_state(tenant, user_id=None) -> RlsState:
    tenant_id = getattr(tenant, "pk", tenant)
    return RlsState(tenant_id=str(tenant_id), user_id=str(user_id or ""))


def use_tenant(tenant) -> None:
    """The rest of the current scope acts for `tenant` (a Tenant or its id)."""
    _wanted.set(tenant_state(tenant, _wanted.get().user_id))


def use_platform() -> None:
    _wanted.set(PLATFORM)


def use_user(user_id) -> None:
    """The logged-in person: the membership table also shows them their own memberships."""
    _wanted.set(RlsState(_wanted.get().tenant_id, _wanted.get().platform, str(user_id or "")))


@contextmanager
def _state(state: RlsState):
    token = _wanted.set(state)
    try:
        yield
    finally:
        _wanted.reset(token)


def tenant_context(tenant):
    return _state(tenant_state(tenant))


def platform_context():
    return _state(PLATFORM)


def no_context():
    return _state(NONE)


def as_platform(func):
    """For the platform's own bookkeeping that any context may trigger (events, audit records):
    it writes rows for whichever tenant it names, or for none."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        with platform_context():
            return func(*args, **kwargs)

    return wrapper


@contextmanager
def scope(state: RlsState = NONE):
    """One request or task: starts from `state`, and whatever the body chose ends with it.
    RLS refusals met inside are reported when the scope ends, outside their failed transaction."""
    token, pending = _wanted.set(state), _pending.set([])
    try:
        yield
    finally:
        violations = _pending.get()
        _wanted.reset(token)
        _pending.reset(pending)
        _report(violations)


def from_header(value) -> RlsState:
    """A task's context from its publisher's header; platform for beat and unknown publishers."""
    if isinstance(value, str) and value.startswith("t:") and value[2:].isdigit():
        return RlsState(tenant_id=value[2:])
    return PLATFORM


# The connection side (installed by apps/core/postgresql/base.py).


def before_query(execute, sql, params, many, ctx):
    """Execute wrapper: bring the session to the wanted context, then run the query."""
    connection = ctx["connection"]
    wanted = _wanted.get()
    if connection.rls_state != wanted:
        apply(connection, wanted)
    try:
        return execute(sql, params, many, ctx)
    except Exception as exc:
        _note_violation(exc)
        raise


def apply(connection, state: RlsState) -> None:
    connection.rls_state = UNKNOWN
    with connection.wrap_database_errors, connection.connection.cursor() as cursor:
        cursor.execute(SET_SQL, _set_params(state))
    connection.rls_state = state


def _set_params(state: RlsState) -> list:
    return [state.tenant_id, "on" if state.platform else "off", state.user_id]


class PreparedCursor(psycopg.Cursor):
    """Binds its parameters on the server and asks for each statement to be prepared at its first
    use on the connection (honoured when the connection prepares at all: DB_PREPARED_STATEMENTS)."""

    def execute(self, query, params=None, *, prepare=True, binary=None):
        return super().execute(query, params, prepare=prepare, binary=binary)


def fetch_hot(connection, sql: str, params) -> list[tuple]:
    """All rows of `sql`, for the few statements every API call makes (the key with the AI snapshot,
    the AI request's row). On PostgreSQL the statement is prepared on the server at its first use on
    each connection (parsed and planned once, not on every call: ~0.3 ms for the AI snapshot) and
    its parameters are bound by the server instead of quoted in Python; when the session holds
    another context, the set_config goes in the same round trip, ahead of `sql` (pipeline mode: one
    Sync, so both run as one implicit transaction in autocommit and a failure of either undoes
    both, after which the session's context is forgotten and the next query sets it again; inside a
    transaction the rollback that must follow forgets it, apps/core/postgresql). Elsewhere (SQLite
    for `make run`) a plain execute."""
    if not hasattr(connection, "hot_cursor"):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    with connection.hot_cursor() as cursor:
        _execute_hot(connection, cursor, sql, params)
        return cursor.fetchall()


def _execute_hot(connection, cursor, sql, params) -> None:
    wanted = _wanted.get()
    if connection.rls_state == wanted:
        cursor.execute(sql, params)
        return
    connection.rls_state = wanted  # the pipeline sets it before `sql` runs: the wrapper sends nothing
    try:
        with connection.wrap_database_errors, connection.connection.pipeline():
            PreparedCursor(connection.connection).execute(SET_SQL, _set_params(wanted))
            cursor.execute(sql, params)
    except BaseException as exc:
        if not connection.in_atomic_block:  # inside one, the rollback to come forgets it (backend)
            connection.rls_state = UNKNOWN
        _note_violation(exc)  # raised when the pipeline syncs, after the execute wrapper returned
        raise


def violation_table(exc) -> str | None:
    """The table named by PostgreSQL's WITH CHECK refusal, None for any other error."""
    cause = getattr(exc, "__cause__", None) or exc
    if getattr(cause, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
        return None
    match = VIOLATION_TABLE.search(str(cause))
    return match.group(1) if match else None


def _note_violation(exc) -> None:
    table = violation_table(exc)
    if table is None:
        return
    where = {"table": table, "context": _wanted.get().label(), **_correlation()}
    logger.warning("row-level security refused a write", extra=where)
    pending = _pending.get()
    if pending is None:
        _report([where])
    else:
        pending.append(where)


def _correlation() -> dict:
    return {"request_id": context.request_id_var.get(), "job_id": context.job_id_var.get()}


def _report(violations) -> None:
    """Sends `rls_violation` per refusal (apps.events records RLS_VIOLATION). Never raises."""
    from apps.core.signals import rls_violation

    for where in violations or ():
        try:
            with platform_context():
                rls_violation.send(sender=None, **where)
        except Exception as exc:
            logger.error("RLS violation could not be recorded", extra={**where, "error": repr(exc)})


# The ways in: requests, tasks, commands.

TENANT_PREFIXES = ("/dashboard/", "/api/")
STAFF_PREFIXES = ("/admin/",)


class RowSecurityMiddleware:
    """Each request is one scope. Tenant-facing routes (the portal, the API) start with no tenant
    rows visible and get their tenant from whoever authenticates (apps/tenants/portal.py,
    apps/tenants/api.py, apps/accounts/authentication.py); staff pages act for the platform for
    staff only; every other route (webhooks, which store for any tenant, signup, status, pings,
    health) is platform code."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with scope(initial_state(request)):
            response = self.get_response(request)
            carry_into_close(response)
        return response


def carry_into_close(response) -> None:
    """Work a view left for the response's close() (run by the WSGI server after the last byte,
    outside this middleware: the AI API's deferred AIRequest write) runs in the request's context."""
    closers = getattr(response, "_resource_closers", None)
    if closers:
        state = current()
        response._resource_closers = [_in_scope(state, closer) for closer in closers]


def _in_scope(state, closer):
    @wraps(closer)
    def run():
        with scope(state):
            return closer()

    return run


def initial_state(request) -> RlsState:
    path = request.path_info
    if path.startswith(TENANT_PREFIXES):
        return _tenant_route_state(request)
    if path.startswith(STAFF_PREFIXES):
        return PLATFORM if _staff(request) else NONE
    return PLATFORM


def _tenant_route_state(request) -> RlsState:
    if request.headers.get("Authorization"):
        return NONE  # an API key: ApiKeyAuthentication decides
    if _staff(request):
        return PLATFORM  # operators through their session (apps.core.api.is_operator)
    user = getattr(request, "user", None)
    return RlsState(user_id=str(user.pk)) if user is not None and user.is_authenticated else NONE


def _staff(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)


_TASK_SCOPES = {}
TASK_HEADER = "opsdesk_rls"


def attach_to_task(headers) -> None:
    """before_task_publish: a task acts for whoever enqueued it (a tenant, else the platform)."""
    if headers is not None and TASK_HEADER not in headers:
        headers[TASK_HEADER] = current().header()


def task_state(request) -> RlsState:
    """From the publisher's header; an eager task (run in-process, never published) acts for
    whoever called it, as the worker would."""
    header = getattr(request, TASK_HEADER, None) or (getattr(request, "headers", None) or {}).get(TASK_HEADER)
    if header is None and getattr(request, "is_eager", False):
        return RlsState(current().tenant_id, current().platform) if current() != NONE else PLATFORM
    return from_header(header)


def enter_task(task_id, task) -> None:
    manager = scope(task_state(task.request))
    manager.__enter__()
    _TASK_SCOPES[task_id] = manager


def leave_task(task_id) -> None:
    manager = _TASK_SCOPES.pop(task_id, None)
    if manager is not None:
        manager.__exit__(None, None, None)
