"""From an HTTP request to stored items: find the connection, check size and signature, parse,
store. Each refusal is a `Refused` carrying the HTTP answer; nothing is stored unless every check
passed. Signature failures are recorded as events, at most one per connection per minute."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.utils import timezone

from apps.core import metrics_prometheus as prom
from apps.events import emit
from apps.events.models import SystemEvent
from apps.integrations import inbox
from apps.integrations.chatwoot import webhook as chatwoot
from apps.integrations.delivery import Refused, parse_json
from apps.integrations.meta import webhook as meta
from apps.integrations.models import Connection, Provider
from apps.integrations.n8n import webhook as n8n
from apps.integrations.pms import webhook as pms
from apps.integrations.telegram import webhook as telegram
from apps.integrations.waha import webhook as waha

PROVIDER_MODULES = {
    Provider.WAHA: waha,
    Provider.CHATWOOT: chatwoot,
    Provider.PMS: pms,
    Provider.TELEGRAM: telegram,
    Provider.N8N: n8n,
}


def receive_meta(request) -> tuple[int, int]:
    return counted(Provider.META, _receive_meta, request)


def _receive_meta(request) -> tuple[int, int]:
    body = read_body(request)
    if not meta.verify(request, body):
        signature_failed(meta.SIGNATURE_CODE, Provider.META, None, request)
        raise Refused(401, "bad_signature", "X-Hub-Signature-256 is missing or does not match the body.")
    return inbox.store(Provider.META, meta.items(parse_json(body)), request, body)


def receive(provider, connection_id, request) -> tuple[int, int]:
    return counted(provider, _receive, provider, connection_id, request)


def _receive(provider, connection_id, request) -> tuple[int, int]:
    module = PROVIDER_MODULES[provider]
    connection = find_connection(provider, connection_id)
    body = read_body(request)
    if not module.verify(connection, request, body):
        signature_failed(module.SIGNATURE_CODE, provider, connection, request)
        raise Refused(401, "bad_signature", f"The {Provider(provider).label} signature is missing, stale or wrong.")
    return inbox.store(provider, module.items(connection, parse_json(body), request), request, body)


def counted(provider, receive_delivery, *args) -> tuple[int, int]:
    """Runs the receiving and counts its outcome for /metrics: stored (new, duplicate or empty) or
    refused with the refusal's error code (database_unavailable when the row could not be written)."""
    try:
        stored, duplicates = receive_delivery(*args)
    except Refused as refusal:
        _count_delivery(provider, "refused", refusal.error)
        raise
    except DatabaseError:
        _count_delivery(provider, "refused", "database_unavailable")
        raise
    _count_delivery(provider, "stored", "new" if stored else ("duplicate" if duplicates else "empty"))
    prom.inc(prom.WEBHOOK_ITEMS, stored, provider=provider, result="stored")
    prom.inc(prom.WEBHOOK_ITEMS, duplicates, provider=provider, result="duplicate")
    return stored, duplicates


def _count_delivery(provider, outcome, reason):
    prom.inc(prom.WEBHOOK_DELIVERIES, provider=str(provider), outcome=outcome, reason=reason)


def meta_handshake(request) -> str:
    """The challenge to echo; a failed handshake is recorded like a bad signature (rate-limited),
    since a wrong verify token means Meta cannot subscribe and no inbound will arrive."""
    try:
        return meta.handshake(request.GET)
    except Refused as refusal:
        _count_delivery(Provider.META, "refused", refusal.error)
        record_refusal(
            meta.SIGNATURE_CODE,
            Provider.META,
            None,
            request,
            f"Refused Meta's webhook subscription handshake (wrong hub.verify_token or hub.mode) "
            f"from {request.META.get('REMOTE_ADDR', '?')}.",
            source=f"{Provider.META}:handshake",
        )
        raise


def find_connection(provider, connection_id) -> Connection:
    try:
        key = uuid.UUID(str(connection_id))
    except ValueError:
        key = None
    connection = Connection.objects.select_related("tenant").filter(pk=key, provider=provider, is_active=True).first()
    if key is None or connection is None:
        raise Refused(404, "unknown_connection", f"No active {provider} connection has id {connection_id}.")
    return connection


def read_body(request) -> bytes:
    limit = settings.WEBHOOK_MAX_BYTES
    too_big = Refused(413, "too_large", f"The body is larger than {limit} bytes.")
    if int(request.META.get("CONTENT_LENGTH") or 0) > limit:
        raise too_big
    try:
        body = request.body
    except RequestDataTooBig:
        raise too_big from None
    if len(body) > limit:
        raise too_big
    return body


def signature_failed(code, provider, connection, request):
    message = f"Refused a {provider} webhook with a bad signature from {request.META.get('REMOTE_ADDR', '?')}."
    record_refusal(code, provider, connection, request, message)


def record_refusal(code, provider, connection, request, message, source=None):
    """Records a refused request unless one was recorded for the same source within the
    interval, so a flood of forged requests cannot flood the Error Center."""
    source = source or (str(connection.pk) if connection else f"{provider}:platform")
    since = timezone.now() - timedelta(seconds=settings.WEBHOOK_SIGNATURE_EVENT_INTERVAL_S)
    if SystemEvent.objects.filter(code=code, occurred_at__gte=since, meta__connection_id=source).exists():
        return
    emit(
        code,
        tenant=connection.tenant if connection else None,
        source="integrations.webhooks",
        message=message,
        meta={"connection_id": source, "path": request.path},
    )
