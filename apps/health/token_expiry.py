"""Provider token health: a Meta access token that Meta says expires within META_TOKEN_WARN_DAYS
is a META_TOKEN_EXPIRING warning (once a day per connection), and the token expiration rate across
tenants is a metric the alert rules and the AI/health pages can read."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from apps.events import emit
from apps.events.metrics import register
from apps.events.models import SystemEvent
from apps.integrations.models import Connection


def warn_if_expiring(tenant, connection, expires_at_iso, *, now=None):
    """Emits META_TOKEN_EXPIRING when the token expires within the warning window; returns whether it did."""
    if not expires_at_iso:
        return False
    now = now or timezone.now()
    expires_at = datetime.fromisoformat(expires_at_iso)
    days_left = (expires_at - now).total_seconds() / 86400
    if days_left > settings.META_TOKEN_WARN_DAYS or _warned_today(connection, now):
        return False
    emit(
        "META_TOKEN_EXPIRING",
        tenant=tenant,
        message=f"The access token of {connection.name} expires {expires_at:%Y-%m-%d %H:%M} UTC "
        f"({max(days_left, 0):.1f} days left)",
        meta={"connection_id": str(connection.pk), "expires_at": expires_at_iso, "days_left": round(days_left, 1)},
        source="health",
    )
    return True


def _warned_today(connection, now) -> bool:
    return SystemEvent.objects.filter(
        code="META_TOKEN_EXPIRING", occurred_at__gte=now - timedelta(days=1), meta__connection_id=str(connection.pk)
    ).exists()


def _active_meta_connections() -> int:
    return Connection.objects.filter(provider="meta", is_active=True).count()


@register(
    "meta_token_expiration_rate",
    "Meta connections whose token expired in the window, as a percent of active Meta connections",
    "%",
    volume=lambda window, now, params: _active_meta_connections(),
)
def meta_token_expiration_rate(window, now, params):
    total = _active_meta_connections()
    if not total:
        return None
    expired = (
        SystemEvent.objects.filter(code="META_TOKEN_EXPIRED", occurred_at__gte=now - window, occurred_at__lt=now)
        .exclude(tenant=None)
        .aggregate(tenants=Count("tenant", distinct=True))["tenants"]
    )
    return round(100.0 * expired / total, 2)
