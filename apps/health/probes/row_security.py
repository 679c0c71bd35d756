"""The runbooks' "RLS policy violations" check: every tenant table is behind the wall and nothing
hit it in the last day (apps/core/row_security.py, RLS_VIOLATION events)."""

from datetime import timedelta

from django.db import connection as db
from django.utils import timezone

from apps.core import db_context, row_security
from apps.health.checks import CheckFailed, CheckSkipped, check

WINDOW = timedelta(hours=24)


@check("rls_policies", "Every tenant table has row-level security forced, and no RLS violation in 24 h")
def rls_policies(*, tenant=None, connection=None):
    if db.vendor != "postgresql":
        raise CheckSkipped("SQLite has no row-level security: the ORM's tenant filters are the only wall")
    with db_context.platform_context():
        unwalled, count = _unwalled(), _violations()
    if unwalled:
        raise CheckFailed(f"no row-level security on {', '.join(unwalled)}: run migrate", value=len(unwalled))
    if count:
        raise CheckFailed(f"{count} RLS violation(s) in 24 h: see RLS_VIOLATION in the Error Center", value=count)
    return 0, "every tenant table is walled; no RLS violation in 24 h"


def _unwalled() -> list[str]:
    with db.cursor() as cursor:
        return [row[0] for row in row_security.tenant_tables(cursor) if not row_security.walled(*row)]


def _violations() -> int:
    from apps.events.models import SystemEvent

    return SystemEvent.objects.filter(code="RLS_VIOLATION", occurred_at__gte=timezone.now() - WINDOW).count()
