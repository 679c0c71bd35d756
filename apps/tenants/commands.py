"""Management commands name a tenant by its slug."""

from django.core.management.base import CommandError

from apps.tenants.models import Tenant


def get_tenant(slug):
    try:
        return Tenant.objects.select_related("plan").get(slug=slug)
    except Tenant.DoesNotExist:
        raise CommandError(f"No tenant with slug {slug!r}.") from None
