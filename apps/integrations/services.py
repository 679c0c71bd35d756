"""Operations on connections and inbound events: create and update connections, replay events.
Admin, API and commands call these; nothing else writes those rows."""

import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.core import db_context
from apps.core.errors import ServiceError
from apps.events import audit
from apps.integrations import inbox, signatures
from apps.integrations.models import PROVIDER_KEYS, Connection, InboundEvent, Provider, secret_keys

S = InboundEvent.Status
REPLAYABLE = (S.DEAD_LETTERED, S.FAILED, S.PROCESSED, S.IGNORED)
REPLAY_MAX = 10_000
GENERATED_SECRETS = {
    Provider.PMS: signatures.new_standard_webhooks_secret,
    Provider.TELEGRAM: lambda: secrets.token_urlsafe(32),
    Provider.N8N: lambda: secrets.token_urlsafe(32),
}


def create_connection(tenant, provider, *, name="", secret="", values=None, actor=None) -> Connection:
    """A connection with its settings and secrets; the signing secret is generated where the
    provider needs one and none was given (PMS `whsec_`, Telegram, n8n)."""
    provider = _provider(provider)
    values = dict(values or {})
    _check_keys(provider, values)
    secret = secret or (GENERATED_SECRETS[provider]() if provider in GENERATED_SECRETS else "")
    _check_secret(provider, secret)
    connection = Connection(
        tenant=tenant, provider=provider, name=name or f"{Provider(provider).label} of {tenant.name}"
    )
    _apply(connection, values, secret)
    with transaction.atomic():
        _save_unique(connection)
        audit.record(
            "connection.created",
            actor=actor,
            tenant=tenant,
            target=connection,
            after={"provider": provider, "settings": connection.settings, "secrets": sorted(connection.secrets())},
        )
    return connection


def update_connection(connection, *, values=None, secret=None, name=None, is_active=None, actor=None) -> Connection:
    values = dict(values or {})
    connection.name = name or connection.name
    connection.is_active = connection.is_active if is_active is None else is_active
    _check_keys(connection.provider, values)
    if secret:
        _check_secret(connection.provider, secret)
    before = {"settings": dict(connection.settings), "secrets": sorted(connection.secrets())}
    _apply(connection, values, secret or "")
    with transaction.atomic():
        _save_unique(connection)
        audit.record(
            "connection.updated",
            actor=actor,
            tenant=connection.tenant,
            target=connection,
            before=before,
            after={"settings": connection.settings, "secrets": sorted(connection.secrets())},
        )
    return connection


def _provider(provider):
    if provider not in Provider.values:
        raise ServiceError(
            f"Unknown provider {provider!r}; use one of {', '.join(Provider.values)}.", code="bad_provider"
        )
    return provider


def _check_keys(provider, values):
    unknown = sorted(set(values) - set(PROVIDER_KEYS[provider]) - {"signing_secret"})
    if unknown:
        known = ", ".join(key for key in PROVIDER_KEYS[provider] if key != "signing_secret")
        raise ServiceError(
            f"{provider} has no setting {', '.join(unknown)}; its settings are {known}.", code="bad_setting"
        )


def _check_secret(provider, secret):
    if provider == Provider.PMS and secret and signatures.standard_webhooks_key(secret) is None:
        raise ServiceError("A PMS secret must be whsec_ followed by base64.", code="bad_secret")


def _apply(connection, values, secret):
    hidden = secret_keys(connection.provider)
    connection.settings = {**connection.settings, **{k: v for k, v in values.items() if k not in hidden}}
    connection.set_secrets(**{k: v for k, v in values.items() if k in hidden})
    if secret:
        connection.set_secrets(signing_secret=secret)
    if connection.provider == Provider.META:
        connection.external_key = str(connection.settings.get("phone_number_id", ""))


def check_connection(provider, values, secret="", existing=None):
    """Raises what `create_connection`/`update_connection` would refuse, before anything is saved."""
    _check_keys(_provider(provider), values)
    _check_secret(provider, secret)
    phone_number_id = str(values.get("phone_number_id", "")) if provider == Provider.META else ""
    _check_external_key(provider, phone_number_id, existing.pk if existing else None)


@db_context.as_platform
def _check_external_key(provider, external_key, own_pk):
    """A phone number id routes webhooks to ONE connection across all tenants, so the check looks
    past the tenant wall; its answer names no tenant (and Meta binds a number to one account)."""
    clash = Connection.objects.filter(provider=provider, external_key=external_key).exclude(pk=own_pk)
    if external_key and clash.exists():
        raise ServiceError(f"Another connection already uses phone_number_id {external_key}.", code="duplicate")


def _save_unique(connection):
    _check_external_key(connection.provider, connection.external_key, connection.pk)
    connection.save()


def record_state(connection, state, *, reported="", source="", now=None) -> bool:
    """Moves the connection to `state` as its provider reported it; audited when it changed.
    Returns whether it changed."""
    if state not in Connection.State.values:
        raise ServiceError(f"Unknown connection state {state!r}.", code="bad_state")
    now = now or timezone.now()
    with transaction.atomic():
        before = Connection.objects.select_for_update().values_list("state", flat=True).get(pk=connection.pk)
        if before == state:
            return False
        Connection.objects.filter(pk=connection.pk).update(state=state, state_changed_at=now, updated_at=now)
        audit.record(
            "connection.state_changed",
            actor_label=source or "provider",
            tenant=connection.tenant,
            target=connection,
            before={"state": before},
            after={"state": state, "reported": reported},
        )
    connection.state, connection.state_changed_at = state, now
    return True


def webhook_url(connection) -> str:
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    if connection.provider == Provider.META:
        return base + reverse("webhook-meta")
    return base + reverse(f"webhook-{connection.provider}", args=[connection.pk])


def replay(events, *, actor, reason="", description="") -> int:
    """Puts replayable events back to `received` with a fresh retry schedule and enqueues them.
    One audit record per tenant (and one without a tenant for the platform's own deliveries) names
    the events, the reason and the filter that chose them."""
    chosen = list(events.filter(status__in=REPLAYABLE).values_list("id", "tenant_id")[: REPLAY_MAX + 1])
    if len(chosen) > REPLAY_MAX:
        raise ServiceError(
            f"That matches more than {REPLAY_MAX} events; narrow the filter (tenant, provider, time).", code="too_many"
        )
    ids = [pk for pk, _ in chosen]
    with transaction.atomic():
        replayed = InboundEvent.objects.filter(id__in=ids, status__in=REPLAYABLE).update(
            status=S.RECEIVED, attempts=0, next_attempt_at=None, last_error="", processed_at=None
        )
        _audit_replay(chosen, actor, reason, description)
        transaction.on_commit(lambda: inbox.enqueue(ids))
    return replayed


def _audit_replay(chosen, actor, reason, description):
    from apps.tenants.models import Tenant

    by_tenant = {}
    for pk, tenant_id in chosen:
        by_tenant.setdefault(tenant_id, []).append(pk)
    tenants = list(Tenant.objects.filter(pk__in=by_tenant))
    if None in by_tenant:
        tenants.append(None)
    for tenant in tenants:
        ids = by_tenant[getattr(tenant, "pk", None)]
        audit.record(
            "inbound.replayed",
            actor=actor,
            tenant=tenant,
            reason=reason,
            after={"count": len(ids), "event_ids": ids[:200], "filter": description},
        )
