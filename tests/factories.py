import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.tenants.models import Membership, Plan, Tenant

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}@example.test")
    email = factory.LazyAttribute(lambda u: u.username)
    password = factory.django.Password(PASSWORD)


class StaffFactory(UserFactory):
    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Plan {n}")
    monthly_message_limit = 1000
    bot_limit = 3
    ai_daily_limit = 100
    ai_monthly_limit = 2000


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    name = factory.Sequence(lambda n: f"Tenant {n}")
    slug = factory.Sequence(lambda n: f"tenant-{n}")
    plan = factory.SubFactory(PlanFactory)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    tenant = factory.SubFactory(TenantFactory)
    role = Membership.Role.OWNER


class SystemEventFactory(factory.django.DjangoModelFactory):
    """A stored SystemEvent filled in the way `apps.events.ingest.build_event` fills it: level and
    category from the catalog, fingerprint from code + tenant + message."""

    class Meta:
        model = "events.SystemEvent"

    tenant = factory.SubFactory(TenantFactory)
    code = "META_SEND_FAIL"
    message = factory.Sequence(lambda n: f"Send failed for message {n}")
    meta = factory.LazyFunction(dict)
    source = "tests"
    correlation_id = ""
    level = factory.LazyAttribute(lambda e: _catalog_entry(e.code).level if _catalog_entry(e.code) else "error")
    category = factory.LazyAttribute(lambda e: _catalog_entry(e.code).category if _catalog_entry(e.code) else "infra")
    fingerprint = factory.LazyAttribute(lambda e: _fingerprint(e.code, e.tenant, e.message))
    occurred_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        """As build_event does, a correlation id is also kept in meta."""
        meta = dict(kwargs.get("meta") or {})
        correlation_id = kwargs.get("correlation_id") or meta.get("correlation_id") or ""
        if correlation_id:
            meta["correlation_id"] = correlation_id
        kwargs.update(meta=meta, correlation_id=correlation_id)
        return kwargs


def _catalog_entry(code):
    from apps.events import codes

    return codes.get(code)


def _fingerprint(code, tenant, message):
    from apps.events.ingest import fingerprint

    return fingerprint(code, getattr(tenant, "pk", None), message)
