"""Operations on tenants, memberships and the global switches. Each one validates, writes and
audits in one transaction; admin actions, commands, the API and incident mitigations call these."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from apps.core.errors import ServiceError
from apps.events import audit
from apps.tenants.models import Membership, Plan, SystemSettings, Tenant

SWITCH_FIELDS = (
    "status",
    "is_whatsapp_enabled",
    "is_ai_enabled",
    "ai_daily_limit",
    "ai_monthly_limit",
    "ai_daily_token_limit",
    "ai_monthly_token_limit",
    "whatsapp_disabled_for_ban",
)

KEEP = object()  # a limit argument left as it is


def require_reason(reason: str, what: str = "a switch") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(f"A reason is required to change {what}: say why, for the audit log.", "reason_required")
    return reason


def _switch_state(tenant):
    return {field: getattr(tenant, field) for field in SWITCH_FIELDS}


def _locked(tenant) -> Tenant:
    return Tenant.objects.select_for_update().select_related("plan").get(pk=tenant.pk)


def _change_tenant(tenant, action, actor, reason, apply, request=None) -> Tenant:
    """Locks the tenant, applies `apply(tenant)`, saves and audits before/after."""
    reason = require_reason(reason)
    with transaction.atomic():
        tenant = _locked(tenant)
        before = _switch_state(tenant)
        apply(tenant)
        tenant.save()
        audit.record(
            action,
            actor=actor,
            tenant=tenant,
            target=tenant,
            reason=reason,
            before=before,
            after=_switch_state(tenant),
            request=request,
        )
    return tenant


def disable_whatsapp(tenant, *, actor, reason, for_ban=False, request=None) -> Tenant:
    def apply(t):
        t.is_whatsapp_enabled = False
        t.whatsapp_disabled_at = timezone.now()
        t.whatsapp_disabled_for_ban = for_ban

    return _change_tenant(tenant, "tenant.whatsapp_disabled", actor, reason, apply, request)


def ban_hold_until(tenant):
    """When a ban-disabled WhatsApp may be switched back on without an override."""
    if not tenant.whatsapp_disabled_for_ban or tenant.whatsapp_disabled_at is None:
        return None
    return tenant.whatsapp_disabled_at + timedelta(hours=settings.BAN_REENABLE_HOURS)


def enable_whatsapp(tenant, *, actor, reason, override_ban_hold=False, request=None) -> Tenant:
    """Switching back on within 24 h of a ban worsens it; that needs an explicit override."""

    def apply(t):
        hold_until = ban_hold_until(t)
        if hold_until and timezone.now() < hold_until and not override_ban_hold:
            raise ServiceError(
                f"WhatsApp was switched off for a ban at {t.whatsapp_disabled_at:%Y-%m-%d %H:%M} UTC; "
                f"re-enabling before {hold_until:%Y-%m-%d %H:%M} UTC needs the ban-hold override and a reason.",
                "ban_hold",
            )
        t.is_whatsapp_enabled = True
        t.whatsapp_disabled_at = None
        t.whatsapp_disabled_for_ban = False

    action = "tenant.whatsapp_enabled_override" if override_ban_hold else "tenant.whatsapp_enabled"
    return _change_tenant(tenant, action, actor, reason, apply, request)


def set_ai_enabled(tenant, enabled: bool, *, actor, reason, request=None) -> Tenant:
    action = "tenant.ai_enabled" if enabled else "tenant.ai_disabled"
    return _change_tenant(tenant, action, actor, reason, lambda t: setattr(t, "is_ai_enabled", enabled), request)


def suspend(tenant, *, actor, reason, request=None) -> Tenant:
    def apply(t):
        t.status = Tenant.Status.SUSPENDED
        t.suspended_reason = reason.strip()

    return _change_tenant(tenant, "tenant.suspended", actor, reason, apply, request)


def reactivate(tenant, *, actor, reason, request=None) -> Tenant:
    def apply(t):
        t.status = Tenant.Status.ACTIVE
        t.suspended_reason = ""

    return _change_tenant(tenant, "tenant.reactivated", actor, reason, apply, request)


def set_ai_limits(
    tenant, *, daily, monthly, actor, reason, daily_tokens=KEEP, monthly_tokens=KEEP, request=None
) -> Tenant:
    """The tenant's own AI limits (requests, and tokens unless left as KEEP); None means the plan's."""
    limits = {
        "ai_daily_limit": daily,
        "ai_monthly_limit": monthly,
        "ai_daily_token_limit": daily_tokens,
        "ai_monthly_token_limit": monthly_tokens,
    }
    limits = {field: value for field, value in limits.items() if value is not KEEP}
    for field, value in limits.items():
        if value is not None and value < 0:
            label = field.removeprefix("ai_").replace("_", " ")
            raise ServiceError(f"The AI {label} cannot be negative.", "invalid_limit")

    def apply(t):
        for field, value in limits.items():
            setattr(t, field, value)

    return _change_tenant(tenant, "tenant.ai_limits_changed", actor, reason, apply, request)


def _change_settings(action, actor, reason, apply, request=None) -> SystemSettings:
    reason = require_reason(reason)
    with transaction.atomic():
        SystemSettings.load()
        obj = SystemSettings.objects.select_for_update().get(pk=1)
        before = {
            "global_whatsapp_enabled": obj.global_whatsapp_enabled,
            "default_ai_provider": obj.default_ai_provider,
            "maintenance_banner": obj.maintenance_banner,
        }
        apply(obj)
        obj.save()
        after = {
            "global_whatsapp_enabled": obj.global_whatsapp_enabled,
            "default_ai_provider": obj.default_ai_provider,
            "maintenance_banner": obj.maintenance_banner,
        }
        audit.record(action, actor=actor, target=obj, reason=reason, before=before, after=after, request=request)
    return obj


def set_global_whatsapp(enabled: bool, *, actor, reason, request=None) -> SystemSettings:
    action = "system.whatsapp_enabled" if enabled else "system.whatsapp_disabled"
    return _change_settings(action, actor, reason, lambda s: setattr(s, "global_whatsapp_enabled", enabled), request)


def set_default_ai_provider(provider: str, *, actor, reason, request=None) -> SystemSettings:
    if provider not in SystemSettings.AiProvider.values:
        choices = ", ".join(SystemSettings.AiProvider.values)
        raise ServiceError(f"Unknown AI provider {provider!r}; choose one of {choices}.", "invalid_provider")
    return _change_settings(
        "system.ai_provider_changed", actor, reason, lambda s: setattr(s, "default_ai_provider", provider), request
    )


def set_maintenance_banner(text: str, *, actor, reason, request=None) -> SystemSettings:
    return _change_settings(
        "system.banner_changed", actor, reason, lambda s: setattr(s, "maintenance_banner", text.strip()[:500]), request
    )


# --- fallback manual mode (apps.fallback runs what follows from it) ----------------------------


def _manual_state(obj) -> dict:
    since = obj.manual_mode_since
    return {"manual_mode": since is not None, "since": since.isoformat() if since else None}


def set_manual_mode(tenant, on: bool, *, actor, reason, request=None) -> tuple[Tenant, bool]:
    """Switches the tenant's manual mode; (tenant, whether it changed). Already in that state: no
    change and no audit record, so a repeated click is harmless."""
    reason = require_reason(reason, "manual mode")
    with transaction.atomic():
        tenant = _locked(tenant)
        if (tenant.manual_mode_since is not None) == on:
            return tenant, False
        before = _manual_state(tenant)
        tenant.manual_mode_since, tenant.manual_mode_reason = (timezone.now(), reason[:500]) if on else (None, "")
        tenant.save(update_fields=["manual_mode_since", "manual_mode_reason", "updated_at"])
        action = "tenant.manual_mode_on" if on else "tenant.manual_mode_off"
        audit.record(
            action,
            actor=actor,
            tenant=tenant,
            target=tenant,
            reason=reason,
            before=before,
            after=_manual_state(tenant),
            request=request,
        )
    return tenant, True


def set_global_manual_mode(on: bool, *, actor, reason, request=None) -> tuple[SystemSettings, bool]:
    """Manual mode for every tenant at once; (settings, whether it changed)."""
    reason = require_reason(reason, "manual mode")
    with transaction.atomic():
        SystemSettings.load()
        system = SystemSettings.objects.select_for_update().get(pk=1)
        if (system.manual_mode_since is not None) == on:
            return system, False
        before = _manual_state(system)
        system.manual_mode_since, system.manual_mode_reason = (timezone.now(), reason[:500]) if on else (None, "")
        system.save()
        action = "system.manual_mode_on" if on else "system.manual_mode_off"
        after = _manual_state(system)
        audit.record(action, actor=actor, target=system, reason=reason, before=before, after=after, request=request)
    return system, True


def set_manual_mode_texts(tenant, *, notice, fallback_email, actor=None, request=None) -> Tenant:
    """The tenant's own manual-mode notice (empty: the standard one) and fallback e-mail address."""
    notice = (notice or "").strip()
    if len(notice) > MANUAL_NOTICE_MAX:
        raise ServiceError(
            f"The notice may have at most {MANUAL_NOTICE_MAX} characters (this one has {len(notice)}).",
            "notice_too_long",
        )
    email = (fallback_email or "").strip().lower()
    _check_email(email)
    with transaction.atomic():
        tenant = _locked(tenant)
        before = {"notice": tenant.manual_mode_notice, "fallback_email": tenant.fallback_email}
        tenant.manual_mode_notice, tenant.fallback_email = notice, email
        after = {"notice": notice, "fallback_email": email}
        if after != before:
            tenant.save(update_fields=["manual_mode_notice", "fallback_email", "updated_at"])
            audit.record(
                "tenant.manual_mode_texts_changed",
                actor=actor,
                tenant=tenant,
                target=tenant,
                before=before,
                after=after,
                request=request,
            )
    return tenant


MANUAL_NOTICE_MAX = 1000


def _check_email(email):
    if not email:
        return
    try:
        validate_email(email)
    except ValidationError:
        raise ServiceError(f"{email!r} is not an e-mail address.", "invalid_email") from None


# --- tenants and memberships -----------------------------------------------------------------


def create_tenant(slug, *, name, plan_name=None, timezone_name="UTC", actor=None, request=None) -> Tenant:
    check_new_slug(slug)
    plan = _plan(plan_name)
    tenant = Tenant(slug=slug, name=name.strip() or slug, plan=plan, timezone=timezone_name)
    tenant.full_clean()
    with transaction.atomic():
        tenant.save()
        audit.record(
            "tenant.created",
            actor=actor,
            tenant=tenant,
            target=tenant,
            after={"slug": slug, "name": tenant.name, "plan": plan.name, "timezone": tenant.timezone},
            request=request,
        )
    return tenant


def check_new_slug(slug):
    """Raises what `create_tenant` would refuse about the slug, before anything is saved."""
    if slug != slugify(slug) or not slug:
        raise ServiceError(f"Invalid slug {slug!r}: use lowercase letters, digits and hyphens.", "invalid_slug")
    if Tenant.objects.filter(slug=slug).exists():
        raise ServiceError(f"A tenant with slug {slug!r} already exists.", "duplicate_slug")


def update_tenant(tenant, *, name, timezone_name, actor=None, request=None) -> Tenant:
    """Renames the tenant or changes its time zone; the slug and plan have their own ways."""
    with transaction.atomic():
        tenant = _locked(tenant)
        before = {"name": tenant.name, "timezone": tenant.timezone}
        tenant.name, tenant.timezone = name.strip() or tenant.name, timezone_name
        after = {"name": tenant.name, "timezone": tenant.timezone}
        if after == before:
            return tenant
        tenant.full_clean(exclude=["slug", "plan"])
        tenant.save(update_fields=["name", "timezone", "updated_at"])
        audit.record(
            "tenant.updated", actor=actor, tenant=tenant, target=tenant, before=before, after=after, request=request
        )
    return tenant


def change_plan(tenant, plan, *, reason, actor, request=None) -> Tenant:
    """Moves the tenant to another plan: its limits change at once, so a reason is required."""
    reason = require_reason(reason, "the plan")
    with transaction.atomic():
        tenant = _locked(tenant)
        if tenant.plan_id == plan.pk:
            raise ServiceError(f"{tenant} is already on plan {plan.name}.", "same_plan")
        before = _plan_state(tenant.plan)
        tenant.plan = plan
        tenant.save(update_fields=["plan", "updated_at"])
        audit.record(
            "tenant.plan_changed",
            actor=actor,
            tenant=tenant,
            target=tenant,
            reason=reason,
            before=before,
            after=_plan_state(plan),
            request=request,
        )
    return tenant


def _plan_state(plan) -> dict:
    return {
        "plan": plan.name,
        "monthly_message_limit": plan.monthly_message_limit,
        "bot_limit": plan.bot_limit,
        "ai_daily_limit": plan.ai_daily_limit,
        "ai_monthly_limit": plan.ai_monthly_limit,
        "ai_daily_token_limit": plan.ai_daily_token_limit,
        "ai_monthly_token_limit": plan.ai_monthly_token_limit,
    }


def delete_tenant(tenant, *, actor=None, request=None) -> None:
    """Deletes the tenant and everything it owns; the audit log keeps who did it and what it was."""
    with transaction.atomic():
        audit.record(
            "tenant.deleted",
            actor=actor,
            tenant=tenant,
            target=tenant,
            request=request,
            before={"slug": tenant.slug, "name": tenant.name, "plan": tenant.plan.name, "status": tenant.status},
        )
        tenant.delete()


def save_plan(plan, *, actor=None, request=None) -> Plan:
    """Adds or changes a plan. A change moves the limits of every tenant on it at once."""
    plan.full_clean()
    with transaction.atomic():
        stored = Plan.objects.select_for_update().filter(pk=plan.pk).first() if plan.pk else None
        plan.save()
        audit.record(
            "plan.created" if stored is None else "plan.changed",
            actor=actor,
            target=plan,
            request=request,
            before=_plan_state(stored) if stored else {},
            after={**_plan_state(plan), "tenants_on_plan": plan.tenants.count()},
        )
    return plan


def delete_plan(plan, *, actor=None, request=None) -> None:
    """Only a plan no tenant is on can go (tenants protect their plan)."""
    with transaction.atomic():
        audit.record("plan.deleted", actor=actor, target=plan, before=_plan_state(plan), request=request)
        plan.delete()


def _plan(plan_name):
    plans = Plan.objects.all()
    if plan_name is None:
        plan = plans.first()
        if plan is None:
            raise ServiceError("No plan exists yet; create one first.", "no_plan")
        return plan
    try:
        return plans.get(name__iexact=plan_name)
    except Plan.DoesNotExist:
        names = ", ".join(plans.values_list("name", flat=True)) or "none"
        raise ServiceError(f"Unknown plan {plan_name!r}; known plans: {names}.", "unknown_plan") from None


def add_member(tenant, email, *, role, password=None, actor=None):
    """Adds (or re-roles) a member, creating the user from the email when missing.
    Returns (membership, user_created)."""
    _check_role(role)
    email = (email or "").strip().lower()
    if "@" not in email:
        raise ServiceError(f"{email!r} is not an email address.", "invalid_email")
    User = get_user_model()
    with transaction.atomic():
        user, created = User.objects.get_or_create(username=email, defaults={"email": email})
        if created:
            user.set_password(password) if password else user.set_unusable_password()
            user.save()
        existing = Membership.objects.filter(user=user, tenant=tenant).first()
        if existing is None:
            return add_membership(tenant, user, role=role, actor=actor), created
        if existing.role != role:
            change_role(existing, role, actor=actor)
    return existing, created


def add_membership(tenant, user, *, role, actor=None, request=None) -> Membership:
    """Makes an existing user a member of the tenant."""
    _check_role(role)
    if Membership.objects.filter(user=user, tenant=tenant).exists():
        raise ServiceError(f"{user} is already a member of {tenant}.", "duplicate_member")
    with transaction.atomic():
        membership = Membership.objects.create(user=user, tenant=tenant, role=role)
        audit.record(
            "membership.added", actor=actor, tenant=tenant, target=membership, after={"role": role}, request=request
        )
    return membership


def _check_role(role):
    if role not in Membership.Role.values:
        raise ServiceError(f"Unknown role {role!r}; choose one of {', '.join(Membership.Role.values)}.", "invalid_role")


def change_role(membership, role, *, actor=None, request=None):
    _check_role(role)
    with transaction.atomic():
        before = Membership.objects.select_for_update().values_list("role", flat=True).get(pk=membership.pk)
        membership.role = role
        membership.save(update_fields=["role"])
        audit.record(
            "membership.role_changed",
            actor=actor,
            tenant=membership.tenant,
            target=membership,
            before={"role": before},
            after={"role": role},
            request=request,
        )
    return membership


def remove_member(membership, *, actor=None, request=None) -> None:
    with transaction.atomic():
        audit.record(
            "membership.removed",
            actor=actor,
            tenant=membership.tenant,
            target=membership,
            before={"user": membership.user.get_username(), "role": membership.role},
            request=request,
        )
        membership.delete()
