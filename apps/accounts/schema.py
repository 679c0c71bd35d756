"""How the OpenAPI schema describes API keys (`Authorization: Bearer <key>`, tenant or operator)
and the browser's session cookie (with its CSRF token in `x-csrf-token`)."""

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "apps.accounts.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "Opsdesk API key",
            "description": "A tenant key (its tenant's data only) or an operator key (every tenant, "
            "operator-only endpoints). Created in the portal, the admin or with manage.py; "
            "shown once.",
        }


class CsrfSessionScheme(SessionScheme):
    target_class = "apps.accounts.csrf.SessionAuthentication"

    def get_security_definition(self, auto_schema):
        return {
            **super().get_security_definition(auto_schema),
            "description": "The session cookie from POST /auth/login; every POST also sends the csrf_token "
            "of GET /auth/me in the x-csrf-token header.",
        }
