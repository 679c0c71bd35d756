"""API plumbing for tenant-scoped endpoints: which tenant a request acts for."""
from rest_framework import permissions, serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from apps.accounts.authentication import TenantKeyUser
from apps.core import context
from apps.tenants import policy
from apps.tenants.models import Tenant
from apps.tenants.portal import active_membership
from apps.tenants.usage import usage_for


def request_tenant(request):
    """A tenant key's tenant, or the session user's active tenant; None for neither."""
    if isinstance(request.user, TenantKeyUser):
        return request.user.tenant
    membership = active_membership(request._request if hasattr(request, "_request") else request)
    return membership.tenant if membership else None


class HasTenant(permissions.BasePermission):
    message = "This endpoint needs a tenant API key or a logged-in tenant member."

    def has_permission(self, request, view):
        request.tenant = request_tenant(request)
        if request.tenant is not None:
            context.tenant_id_var.set(request.tenant.id)
        return request.tenant is not None


class IsOperator(permissions.BasePermission):
    message = "This endpoint is for operators: use a staff session or an operator API key."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


class TenantScopedAPIView(GenericAPIView):
    """Base for tenant endpoints: querysets go through `for_tenant(request.tenant)`."""

    permission_classes = [permissions.IsAuthenticated, HasTenant]
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
        "switches": {"whatsapp": tenant.is_whatsapp_enabled, "ai": tenant.is_ai_enabled,
                     "global_whatsapp": inputs.global_whatsapp_enabled},
        "usage": {"messages_this_month": usage.messages_this_month, "ai_today": usage.ai_today,
                  "ai_this_month": usage.ai_this_month, "bots": usage.bots},
        "limits": {"monthly_messages": inputs.monthly_message_limit, "bots": inputs.bot_limit,
                   "ai_daily": inputs.ai_daily_limit, "ai_monthly": inputs.ai_monthly_limit},
        "decisions": {name: {"allowed": d.allowed, "code": d.code, "reason": d.reason}
                      for name, d in decisions.items()},
    }


class TenantStatusView(GenericAPIView):
    """GET /api/v1/tenant/: the caller's tenant with plan, switches, usage and policy decisions."""

    permission_classes = [permissions.IsAuthenticated, HasTenant]
    serializer_class = TenantStatusSerializer

    def get(self, request):
        return Response(tenant_status(request.tenant))
