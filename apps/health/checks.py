"""Checks: Python functions registered under a name, run by runbooks ("Run checks" on an incident),
health monitors and `manage.py check_health`.

A check function takes `tenant` and `connection` keywords and returns `(value, detail)` when it
passes; it raises `CheckFailed` (or anything else) when the thing it measures is unhealthy, and
`CheckSkipped` when it cannot be measured here. `run()` turns all of that into a `CheckResult`.

    @check("connection_chatwoot", "Chatwoot answers /rails/health", needs="connection:chatwoot")
    def connection_chatwoot(*, tenant, connection): ...

`needs` is None (platform-wide), "tenant" (about one tenant) or "connection:<provider>" (about
one tenant's connection of that provider; every active one of them is checked)."""

import time
from dataclasses import dataclass, field

PASS, FAIL, SKIP = "pass", "fail", "skip"
PROVIDER_WORDS = {
    "chatwoot": "Chatwoot",
    "waha": "WAHA",
    "meta": "Meta WhatsApp",
    "n8n": "n8n",
    "pms": "PMS",
    "telegram": "Telegram",
}


class CheckFailed(Exception):
    def __init__(self, detail, value=None):
        super().__init__(detail)
        self.detail, self.value = detail, value


class CheckSkipped(Exception):
    def __init__(self, detail):
        super().__init__(detail)
        self.detail = detail


@dataclass
class CheckResult:
    name: str
    status: str
    value: object = None
    detail: str = ""
    latency_ms: float | None = None
    tenant: str = ""
    target: str = ""

    @property
    def ok(self) -> bool:
        return self.status != FAIL


@dataclass(frozen=True)
class Check:
    name: str
    description: str
    func: object
    needs: str | None = None
    extra: dict = field(default_factory=dict)
    own_job: bool = False

    @property
    def provider(self) -> str | None:
        return self.needs.split(":", 1)[1] if self.needs and self.needs.startswith("connection:") else None

    @property
    def per_tenant(self) -> bool:
        return self.needs is not None


_CHECKS: dict[str, Check] = {}


def check(name, description, needs=None, own_job=False):
    """Registers the decorated function as the check `name`. `own_job=True`: its monitors are
    left out of `health.run_monitors` and run by a job of their own (a slow check, such as one
    that waits on a provider's webhook, would hold up every other monitor)."""
    if needs is not None and needs != "tenant" and not needs.startswith("connection:"):
        raise ValueError(f"Check {name}: needs must be None, 'tenant' or 'connection:<provider>'.")

    def decorate(func):
        if name in _CHECKS and _CHECKS[name].func is not func:
            raise ValueError(f"Check {name} is registered twice.")
        _CHECKS[name] = Check(name=name, description=description, func=func, needs=needs, own_job=own_job)
        return func

    return decorate


def names() -> list[str]:
    return sorted(_CHECKS)


def own_job_names() -> list[str]:
    """The checks whose monitors a job of their own runs."""
    return sorted(name for name, spec in _CHECKS.items() if spec.own_job)


def get(name) -> Check | None:
    return _CHECKS.get(name)


def run(name, *, tenant=None, connection=None) -> CheckResult:
    """Runs one check now. A per-tenant check needs `tenant` (or `connection`); without the
    connection it needs, the result is a skip that says so."""
    spec = _CHECKS.get(name)
    if spec is None:
        return CheckResult(name, SKIP, detail=f"No check named {name!r} is registered; known: {', '.join(names())}.")
    if connection is not None:
        return _timed(spec, tenant=connection.tenant, connection=connection)
    if spec.needs is not None and tenant is None:
        return CheckResult(name, SKIP, detail="needs a tenant: this check is about one tenant")
    if spec.provider:
        return _run_connections(spec, tenant)
    return _timed(spec, tenant=tenant, connection=None)


def run_many(names, *, tenants=()) -> list[CheckResult]:
    """Platform checks once; per-tenant checks once per tenant (a skip when there is no tenant)."""
    results = []
    for name in names:
        spec = _CHECKS.get(name)
        if spec is not None and spec.per_tenant and tenants:
            results.extend(run(name, tenant=tenant) for tenant in tenants)
        else:
            results.append(run(name))
    return results


def _run_connections(spec, tenant) -> CheckResult:
    from apps.integrations.models import Connection

    connections = list(
        Connection.objects.for_tenant(tenant).filter(provider=spec.provider, is_active=True).order_by("name")
    )
    if not connections:
        word = PROVIDER_WORDS.get(spec.provider, spec.provider)
        return CheckResult(spec.name, SKIP, detail=f"tenant has no {word} connection", tenant=tenant.slug)
    results = [_timed(spec, tenant=tenant, connection=connection) for connection in connections]
    return results[0] if len(results) == 1 else _combined(spec.name, tenant, results)


def _combined(name, tenant, results) -> CheckResult:
    status = (
        FAIL if any(r.status == FAIL for r in results) else PASS if any(r.status == PASS for r in results) else SKIP
    )
    return CheckResult(
        name,
        status,
        value={r.target: r.value for r in results},
        tenant=tenant.slug,
        detail="; ".join(f"{r.target}: {r.status} ({r.detail})" for r in results),
        latency_ms=round(sum(r.latency_ms or 0 for r in results), 1),
        target=f"{len(results)} connections",
    )


def _timed(spec, *, tenant, connection) -> CheckResult:
    started = time.perf_counter()
    status, value, detail = _call(spec, tenant, connection)
    return CheckResult(
        spec.name,
        status,
        value=value,
        detail=str(detail)[:1000],
        latency_ms=round((time.perf_counter() - started) * 1000, 1),
        tenant=getattr(tenant, "slug", "") or "",
        target=connection.name if connection is not None else "",
    )


def _call(spec, tenant, connection):
    try:
        value, detail = spec.func(tenant=tenant, connection=connection)
        return PASS, value, detail
    except CheckFailed as exc:
        return FAIL, exc.value, exc.detail
    except CheckSkipped as exc:
        return SKIP, None, exc.detail
    except Exception as exc:
        return FAIL, None, f"{type(exc).__name__}: {exc}"
