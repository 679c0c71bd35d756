"""How the OpenAPI schema describes API keys: `Authorization: Bearer <key>` (tenant or operator)."""

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
