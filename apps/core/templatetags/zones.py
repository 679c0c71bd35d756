"""`{% load zones %}`: `{{ moment|when }}` (`|when:"s"` with seconds) labels a time with its zone;
`{{ moment|with_tenant_time:tenant }}` adds the tenant's local time for staff."""

from django import template

from apps.core import zones

register = template.Library()


@register.filter
def when(value, precision=""):
    return zones.when(value, precision)


@register.filter
def with_tenant_time(value, tenant):
    return zones.with_tenant_time(value, tenant)
