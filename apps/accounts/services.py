"""API keys: issued, used and revoked through these functions only."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from apps.accounts import key_lookup, keys
from apps.accounts.models import ApiKey
from apps.core import db_context
from apps.core.errors import ServiceError
from apps.events import audit

LAST_USED_RESOLUTION = timedelta(minutes=1)


def issue_tenant_key(tenant, *, name, actor=None, request=None) -> tuple[ApiKey, str]:
    return _issue(name=name, tenant=tenant, actor=actor, request=request)


def issue_operator_key(username, *, name, actor=None) -> tuple[ApiKey, str]:
    User = get_user_model()
    try:
        user = User.objects.get(username=username)
    except User.DoesNotExist:
        raise ServiceError(f"No user named {username!r}.", "unknown_user") from None
    if not user.is_staff or not user.is_active:
        raise ServiceError(f"{username} is not an active staff user; operator keys are for staff.", "not_staff")
    return _issue(name=name, staff_user=user, actor=actor)


def _issue(*, name, tenant=None, staff_user=None, actor=None, request=None):
    name = (name or "").strip() or "API key"
    prefix, key = keys.generate()
    with transaction.atomic():
        api_key = ApiKey.objects.create(
            name=name[:100],
            prefix=prefix,
            key_hash=keys.hash_key(key),
            tenant=tenant,
            staff_user=staff_user,
            created_by=actor,
        )
        audit.record(
            "api_key.created",
            actor=actor,
            tenant=tenant,
            target=api_key,
            after={"prefix": prefix, "name": api_key.name, "operator": staff_user is not None},
            request=request,
        )
    return api_key, key


def revoke(api_key, *, actor=None, request=None) -> ApiKey:
    if api_key.is_revoked:
        raise ServiceError("This key is already revoked.", "already_revoked")
    with transaction.atomic():
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        audit.record(
            "api_key.revoked",
            actor=actor,
            tenant=api_key.tenant,
            target=api_key,
            after={"prefix": api_key.prefix},
            request=request,
        )
    return api_key


@db_context.as_platform  # the key says which tenant: nobody is known before it is read
def authenticate_key(key: str) -> ApiKey | None:
    prefix = keys.prefix_of(key)
    if prefix is None:
        return None
    return accepted(key_lookup.active_by_prefix(prefix), key)


def accepted(api_key: ApiKey | None, key: str) -> ApiKey | None:
    """`api_key` (found by the prefix of `key`) when `key` is really it, with its use noted; else None.
    For a caller that read the key itself (the AI API reads it with its call's snapshot)."""
    if api_key is None or not keys.matches(key, api_key.key_hash):
        return None
    _touch(api_key)
    return api_key


def _touch(api_key):
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
