"""API plumbing for tenant-scoped endpoints: which tenant a request acts for."""

from rest_framework import permissions, serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from apps.accounts.authentication import TenantKeyUser
from apps.core import context, db_context
from apps.core.api import MethodRule, is_operator, method_rules
from apps.tenants import policy, roles
from apps.tenants.models import Tenant
from apps.tenants.portal import active_membership
from apps.tenants.usage import usage_for


def request_member(request) -> tuple:
    """(tenant, role) the request acts as: a tenant key's tenant as `roles.API_KEY`, or the
    session user's active membership; (None, None) for neither."""
    if isinstance(request.user, TenantKeyUser):
        return request.user.tenant, roles.API_KEY
    membership = active_membership(request._request if hasattr(request, "_request") else request)
    return (membership.tenant, membership.role) if membership else (None, None)


class HasTenant(permissions.BasePermission):
    message = "This endpoint needs a tenant API key or a logged-in tenant member."

    def has_permission(self, request, view):
        request.tenant, request.role = request_member(request)
        if request.tenant is not None:
            context.tenant_id_var.set(request.tenant.id)
            if not is_operator(request):
                db_context.use_tenant(request.tenant)
        return request.tenant is not None


class TenantRole(MethodRule):
    """Tenant callers whose role may do the method's action, by the table in apps/tenants/roles.py
    that the portal reads too. Built by `tenant_may`."""

    message = HasTenant.message

    def has_permission(self, request, view):
        if not self.takes(request, view):
            return True
        if not HasTenant().has_permission(request, view):
            return False
        action = self.rule(request, view)
        if action is None:
            self.message = "No tenant role may use this endpoint this way."
            return False
        self.message = f"Your role may not do this: {action} is for {roles.who_may(action, keys=True)}."
        return roles.allows(request.role, action)


def tenant_may(action=None, /, **by_method) -> type:
    """The permission class of one tenant action: `tenant_may("outbound.send")`, or one per
    method: `tenant_may(GET="tickets.view", POST="tickets.write")`."""
    rules = {method: roles.known(name) for method, name in method_rules(action, by_method).items()}
    return type("TenantMay", (TenantRole,), {"rules": rules})


class TenantScopedAPIView(GenericAPIView):
    """Base for tenant endpoints: querysets go through `for_tenant(request.tenant)`."""

    permission_classes = [tenant_may()]  # refuses everything until the view declares its actions
    model = None

    def get_queryset(self):
        return self.model.objects.for_tenant(self.request.tenant)


class TenantStatusSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()
    plan = serializers.CharField()
    switches = serializers.DictField()
    usage = serializers.DictField()
    limits = serializers.DictField()
    decisions = serializers.DictField()


def tenant_status(tenant: Tenant) -> dict:
    """Plan, switches, usage against limits and what policy allows now — the portal's and the
    API's one view of a tenant."""
    usage = usage_for(tenant)
    inputs = policy.input_for(tenant)
    decisions = {
        "whatsapp": policy.decide_whatsapp_message(inputs),
        "message": policy.decide_message(inputs),
        "ai": policy.decide_ai(inputs),
        "bot": policy.decide_bot(inputs),
    }
    return {
        "slug": tenant.slug,
        "name": tenant.name,
        "status": tenant.status,
        "plan": tenant.plan.name,
        "switches": {
            "whatsapp": tenant.is_whatsapp_enabled,
            "ai": tenant.is_ai_enabled,
            "global_whatsapp": inputs.global_whatsapp_enabled,
        },
        "usage": {
            "messages_this_month": usage.messages_this_month,
            "ai_today": usage.ai_today,
            "ai_this_month": usage.ai_this_month,
            "ai_tokens_today": usage.ai_tokens_today,
            "ai_tokens_this_month": usage.ai_tokens_this_month,
            "bots": usage.bots,
        },
        "limits": {
            "monthly_messages": inputs.monthly_message_limit,
            "bots": inputs.bot_limit,
            "ai_daily": inputs.ai_daily_limit,
            "ai_monthly": inputs.ai_monthly_limit,
            "ai_daily_tokens": inputs.ai_daily_token_limit,
            "ai_monthly_tokens": inputs.ai_monthly_token_limit,
        },
        "decisions": {
            name: {"allowed": d.allowed, "code": d.code, "reason": d.reason} for name, d in decisions.items()
        },
    }


class TenantStatusView(GenericAPIView):
    """GET /api/v1/tenant/: the caller's tenant with plan, switches, usage and policy decisions."""

    permission_classes = [tenant_may("tenant.view")]
    serializer_class = TenantStatusSerializer

    def get(self, request):
        return Response(tenant_status(request.tenant))
