"""Kill switches one click from the incident: each calls the tenants service (which validates,
requires the reason and audits) and writes the switch to the incident's timeline. On a tenant-abuse
incident the entry carries the evidence (violations by rule, throttled contacts, volume), and
"warn" e-mails the tenant's owners (`tenant_abuse.warn_owner`)."""

from dataclasses import dataclass

from django.db import transaction

from apps.core.errors import ServiceError
from apps.fallback import services as fallback
from apps.incidents.models import TimelineEntry
from apps.incidents.services import tenant_abuse
from apps.incidents.services.timeline import add_timeline_entry
from apps.tenants import roles
from apps.tenants import services as tenants
from apps.tenants.models import SystemSettings


@dataclass(frozen=True)
class Mitigation:
    label: str
    per_tenant: bool
    apply: object  # (tenant or None, actor, reason, request) -> dict of what changed


def _tenant(call, **kwargs):
    def apply(tenant, actor, reason, request, **_):
        call(tenant, actor=actor, reason=reason, request=request, **kwargs)
        return {}

    return apply


def _global_whatsapp(enabled):
    def apply(_tenant, actor, reason, request, **_):
        tenants.set_global_whatsapp(enabled, actor=actor, reason=reason, request=request)
        return {}

    return apply


def _warn_owner(tenant, actor, reason, request, *, incident, evidence):
    rows = tenant_abuse.warn_owner(incident, tenant, actor=actor, reason=reason, request=request, evidence=evidence)
    return {"recipients": [row.recipient for row in rows]}


def _manual_mode(call):
    def apply(tenant, actor, reason, request, **_):
        handed = call(tenant, actor=actor, reason=reason, request=request)
        return {"handed_back": handed} if isinstance(handed, int) else {}

    return apply


def _platform_manual_mode(call):
    def apply(_tenant, actor, reason, request, **_):
        handed = call(actor=actor, reason=reason, request=request)
        return {"handed_back": handed} if isinstance(handed, int) else {}

    return apply


def _ai_provider_mock(_tenant, actor, reason, request, **_):
    before = SystemSettings.load().default_ai_provider
    if before == SystemSettings.AiProvider.MOCK:
        raise ServiceError("The default AI provider is already mock.", "unchanged")
    tenants.set_default_ai_provider(SystemSettings.AiProvider.MOCK, actor=actor, reason=reason, request=request)
    return {"before": before}


MITIGATIONS = {
    "tenant_whatsapp_off": Mitigation("Switch WhatsApp off", True, _tenant(tenants.disable_whatsapp)),
    "tenant_whatsapp_off_ban": Mitigation(
        "Switch WhatsApp off (ban: 24 h hold)", True, _tenant(tenants.disable_whatsapp, for_ban=True)
    ),
    "tenant_whatsapp_on": Mitigation("Switch WhatsApp on", True, _tenant(tenants.enable_whatsapp)),
    "tenant_ai_off": Mitigation("Switch AI off", True, _tenant(tenants.set_ai_enabled, enabled=False)),
    "tenant_ai_on": Mitigation("Switch AI on", True, _tenant(tenants.set_ai_enabled, enabled=True)),
    "tenant_suspend": Mitigation("Suspend the tenant", True, _tenant(tenants.suspend)),
    "tenant_reactivate": Mitigation("Reactivate the tenant", True, _tenant(tenants.reactivate)),
    "tenant_warn": Mitigation("Warn the tenant's owners by e-mail (the reason is the message)", True, _warn_owner),
    "tenant_manual_on": Mitigation(
        "Manual mode on (AI stops; WhatsApp/Telegram messages become tickets)", True, _manual_mode(fallback.turn_on)
    ),
    "tenant_manual_off": Mitigation(
        "Manual mode off (hand the conversations back)", True, _manual_mode(fallback.turn_off)
    ),
    "global_whatsapp_off": Mitigation("Switch WhatsApp off for every tenant", False, _global_whatsapp(False)),
    "global_whatsapp_on": Mitigation("Switch WhatsApp back on for every tenant", False, _global_whatsapp(True)),
    "ai_provider_mock": Mitigation("Set the default AI provider to mock", False, _ai_provider_mock),
    "global_manual_on": Mitigation(
        "Manual mode on for every tenant", False, _platform_manual_mode(fallback.turn_on_platform)
    ),
    "global_manual_off": Mitigation(
        "Manual mode off for every tenant (hand the conversations back)",
        False,
        _platform_manual_mode(fallback.turn_off_platform),
    ),
}


def switch_permission(action) -> str | None:
    """The Django permission the tenants admin checks for this switch; None for an unknown action."""
    mitigation = MITIGATIONS.get(action)
    if mitigation is None:
        return None
    return roles.TENANT_SWITCH_PERMISSION if mitigation.per_tenant else roles.GLOBAL_SWITCH_PERMISSION


def choices(per_tenant):
    return [(name, m.label) for name, m in MITIGATIONS.items() if m.per_tenant == per_tenant]


def apply_mitigation(incident, action, *, actor, reason, tenant=None, request=None):
    """Flips one switch for the incident. Tenant switches apply to its affected tenants and its subject only."""
    mitigation = MITIGATIONS.get(action)
    if mitigation is None:
        raise ServiceError(f"Unknown mitigation {action!r}; use one of {', '.join(MITIGATIONS)}.", "invalid_mitigation")
    reason = tenants.require_reason(reason)
    if mitigation.per_tenant:
        _require_affected(incident, tenant)
    evidence = tenant_abuse.evidence_for(incident, tenant) if mitigation.per_tenant else None
    with transaction.atomic():
        changed = mitigation.apply(
            tenant if mitigation.per_tenant else None, actor, reason, request, incident=incident, evidence=evidence
        )
        scope = f" for {tenant.name}" if mitigation.per_tenant else ""
        return add_timeline_entry(
            incident,
            TimelineEntry.Kind.SWITCH,
            f"{mitigation.label}{scope}: {reason}",
            author=actor,
            data={
                "action": action,
                "tenant": tenant.slug if mitigation.per_tenant else None,
                "reason": reason,
                **(changed or {}),
                **({"evidence": evidence} if evidence else {}),
            },
        )


def _require_affected(incident, tenant):
    if tenant is None:
        raise ServiceError("Choose the tenant to switch.", "no_tenant")
    if not incident.tenants_concerned().filter(pk=tenant.pk).exists():
        raise ServiceError(
            f"{tenant.name} is neither affected by this incident nor about it; switch it from the tenant's own page.",
            "tenant_not_affected",
        )
