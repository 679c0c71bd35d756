"""API conventions shared by every app: error bodies, and who may call what (operators by their
Django permission; tenant roles are judged by apps/tenants/api.py, composed here)."""

from django.http import Http404
from rest_framework import exceptions, permissions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core.errors import ServiceError


def exception_handler(exc, context):
    """Every API error has `error` (a short code) and `detail` (what is wrong); validation
    errors add `fields`, naming each bad field."""
    if isinstance(exc, ServiceError):
        return Response({"error": exc.code, "detail": exc.message}, status=exc.status_code)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = validation_body(exc.detail)
    else:
        detail = response.data.get("detail", response.data) if isinstance(response.data, dict) else response.data
        response.data = {"error": error_code(exc), "detail": str(detail)}
    return response


def error_code(exc):
    if isinstance(exc, Http404):
        return "not_found"
    return getattr(exc, "default_code", "error")


def validation_body(detail):
    fields = _flatten(detail)
    summary = "; ".join(f"{name}: {message}" for name, message in fields.items())
    return {"error": "invalid", "detail": summary or "Invalid input.", "fields": fields}


def _field_name(prefix, key):
    """`events` + 3 → `events[3]` (DRF reports list items by index as dict keys), else dotted."""
    if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else str(key)


def _flatten(detail, prefix=""):
    """Turns DRF's nested errors into {"events[3].code": "…"} so the bad field is named."""
    if isinstance(detail, dict):
        out = {}
        for key, value in detail.items():
            name = _field_name(prefix, key)
            if key == "non_field_errors":
                name = prefix or "non_field_errors"
            out.update(_flatten(value, name))
        return out
    if isinstance(detail, list):
        if all(isinstance(item, (str, exceptions.ErrorDetail)) for item in detail):
            return {prefix or "non_field_errors": " ".join(str(item) for item in detail)}
        out = {}
        for index, item in enumerate(detail):
            if item:
                out.update(_flatten(item, f"{prefix}[{index}]"))
        return out
    return {prefix or "non_field_errors": str(detail)}


def validated(serializer_class, data) -> dict:
    """The request body checked by `serializer_class`: a 400 naming each bad field, or the data."""
    if not isinstance(data, dict):
        raise exceptions.ValidationError({"non_field_errors": "Send a JSON object."})
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def is_operator(request) -> bool:
    """Staff behind the request: an operator API key's staff user, or a staff session."""
    user = request.user
    return bool(user and user.is_authenticated and user.is_staff)


class MethodRule(permissions.BasePermission):
    """Base of the permission classes built by `requires` (and by the tenants' `tenant_may`):
    `rules` maps each HTTP method to what it needs. HEAD and OPTIONS read like GET; a method the
    view does not take passes, so DRF answers 405; a method the view takes without a rule fails."""

    rules: dict = {}

    def rule(self, request, view):
        method = "GET" if request.method in ("HEAD", "OPTIONS") else request.method
        return self.rules.get(method)

    def takes(self, request, view) -> bool:
        return request.method in ("HEAD", "OPTIONS") or hasattr(view, request.method.lower())


class StaffPermission(MethodRule):
    """Staff whose Django permissions (their groups, apps/tenants/groups.py) include the one the
    admin checks for the same action; superusers have them all."""

    message = "Only operator API keys (staff) may use this endpoint."

    def has_permission(self, request, view):
        if not self.takes(request, view):
            return True
        needed = self.rule(request, view)
        if needed and is_operator(request):
            self.message = f"Your staff role does not allow this: it needs the {needed} permission."
        return bool(needed and is_operator(request) and request.user.has_perm(needed))


def method_rules(what, by_method) -> dict:
    if what is not None and by_method:
        raise TypeError("Give one rule for every method, or one per method, not both.")
    return {method: what for method in ALL_METHODS} if what is not None else dict(by_method)


def requires(permission=None, /, **by_method) -> type:
    """The permission class of one operator action: `requires("incidents.change_incident")`, or
    one per method: `requires(GET="incidents.view_incident", POST="incidents.add_incident")`."""
    rules = method_rules(permission, by_method)
    return type("Requires", (StaffPermission,), {"rules": rules})


class TenantOrOperator(permissions.BasePermission):
    """Routes both tenants and operators use: staff are judged by `operator` (their Django
    permission) alone, everyone else by `tenant` (their tenant role). Built by `tenant_or_operator`."""

    tenant: type = None
    operator: type = None

    def has_permission(self, request, view):
        if is_operator(request):
            request.tenant = None
        judge = (self.operator if is_operator(request) else self.tenant)()
        allowed = judge.has_permission(request, view)
        self.message = judge.message
        return allowed


def tenant_or_operator(tenant, operator) -> type:
    return type("TenantOrOperator", (TenantOrOperator,), {"tenant": tenant, "operator": operator})
