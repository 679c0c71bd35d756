"""The chat-completions endpoint's fast path: a tenant API key posting JSON, which is what n8n and the
OpenAI SDKs send on every call, handled without DRF's request wrapping, content negotiation and
response finalisation (~0.4 ms of CPU per call).

Only the case where every check passes is taken here, deciding exactly as DRF's path would (the
same key check, the same role table, the same JSON reader and body limit). Anything else (no key,
a bad or operator key, a session user, another method or content type, a body that is too large
or not JSON) returns None and the view hands the request to DRF, whose answer is then the one it
always gave. On PostgreSQL the key is read together with the call's snapshot
(apps/ai/snapshot.py `read_for_key`): one round trip, not two."""

from dataclasses import dataclass

from django.conf import settings
from django.db import DataError, InterfaceError, OperationalError, connections

from apps.accounts import keys
from apps.accounts import services as key_services
from apps.accounts.authentication import ApiKeyAuthentication, TenantKeyUser
from apps.ai import snapshot
from apps.core import context, db_context, safe_json
from apps.tenants import roles

ACTION = "ai.complete"
BEARER = ApiKeyAuthentication.keyword + " "


@dataclass(frozen=True)
class Admitted:
    principal: TenantKeyUser
    data: object
    known: snapshot.Snapshot | None  # None: the gateway reads it


def admitted(request) -> Admitted | None:
    """What the fast path answers with, or None when DRF must handle the request."""
    if request.method != "POST" or not _json_within_limit(request):
        return None
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header.startswith(BEARER) or not roles.allows(roles.API_KEY, ACTION):
        return None
    found = key_and_snapshot(header[len(BEARER) :].strip())
    if found is None:
        return None
    try:
        data = safe_json.loads(request.body)
    except safe_json.BadJSON:
        return None
    return Admitted(_bind(request, found[0]), data, found[1])


def key_and_snapshot(token: str) -> tuple | None:
    """(the tenant key `token` is, its call's snapshot or None), or None for anything but an active
    tenant key. One statement on PostgreSQL; the key alone elsewhere, and for a tenant whose zone
    PostgreSQL does not know (the gateway then reads the snapshot with the zone from Python)."""
    prefix = keys.prefix_of(token)
    if prefix is None or connections["default"].vendor != "postgresql":
        return _key_alone(token)
    try:
        found = first_statement(snapshot.read_for_key, prefix)
    except DataError:
        return _key_alone(token)
    if found is None:
        return None
    with db_context.platform_context():
        api_key = key_services.accepted(found[0], token)
    return None if api_key is None else (api_key, found[1])


def _key_alone(token: str) -> tuple | None:
    api_key = first_statement(key_services.authenticate_key, token)
    return None if api_key is None or api_key.is_operator_key else (api_key, None)


def first_statement(read, *args):
    """`read(*args)`, the request's first statement, without Django's per-request health check.

    With CONN_HEALTH_CHECKS Django sends `SELECT 1` before a request's first statement on a reused
    connection: one more round trip on every call. Here the read itself is the check: when the
    reused connection turns out dead (the database restarted, a proxy dropped it), it is closed and
    `read` runs once more on a new one, as the health check would have done. `read` must be safe to
    repeat (a lookup). A database that is really down fails the second try too, and the request
    gets the API's 503 (apps/core/middleware.py)."""
    connection = connections["default"]
    reused = connection.connection is not None and not connection.in_atomic_block
    if reused:
        connection.health_check_done = True
    try:
        return read(*args)
    except (OperationalError, InterfaceError):
        if not reused:
            raise
        connection.close()
    return read(*args)


def _json_within_limit(request) -> bool:
    media_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    length = request.META.get("CONTENT_LENGTH") or ""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return media_type == "application/json" and length.isdigit() and (limit is None or int(length) <= limit)


def _bind(request, api_key) -> TenantKeyUser:
    """What DRF's authentication and `HasTenant` leave on the request, for the middleware after it."""
    user = TenantKeyUser(api_key)
    request.user, request.auth = user, api_key
    request.tenant, request.role = user.tenant, roles.API_KEY
    context.tenant_id_var.set(user.tenant.id)
    db_context.use_tenant(user.tenant)
    return user
