from rest_framework import authentication, exceptions

from apps.accounts import services
from apps.core import db_context


class TenantKeyUser:
    """The principal behind a tenant API key: authenticated, never staff, bound to one tenant."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    is_active = True
    pk = None
    id = None

    def __init__(self, api_key):
        self.api_key = api_key
        self.tenant = api_key.tenant

    def __str__(self):
        return f"api-key:{self.api_key.prefix}"

    def get_username(self):
        return str(self)

    def has_perm(self, perm, obj=None):
        return False


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, key = header.partition(" ")
        if scheme != self.keyword:
            return None
        api_key = services.authenticate_key(key.strip())
        if api_key is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        if api_key.is_operator_key:
            return self.operator(api_key), api_key
        db_context.use_tenant(api_key.tenant_id)
        return TenantKeyUser(api_key), api_key

    def operator(self, api_key):
        user = api_key.staff_user
        if not (user.is_active and user.is_staff):
            raise exceptions.AuthenticationFailed("The key's staff user is no longer active staff.")
        db_context.use_platform()
        return user

    def authenticate_header(self, request):
        return self.keyword
