"""API conventions shared by every app: error bodies and the tenant of a request."""
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


class IsOperator(permissions.BasePermission):
    """Operator API keys (and staff sessions) only."""

    message = "Only operator API keys (staff) may use this endpoint."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)
