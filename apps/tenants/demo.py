"""Demo tenants, people and usage. Only creates what is missing, so re-running changes nothing."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from apps.tenants import services
from apps.tenants.models import Membership, Tenant, UsageCounter
from apps.tenants.usage import tenant_today

STAFF = [
    # username, password, superuser, group, description
    ("admin", "opsdesk-admin", True, None, "platform admin (/admin/)"),
    ("agent", "opsdesk-agent", False, "Support agent", "support agent (/admin/)"),
    ("oncall", "opsdesk-oncall", False, "On-call engineer", "on-call engineer (/admin/)"),
]
TENANTS = [
    # slug, name, plan, timezone
    ("acme-hotels", "Acme Hotels", "Pro", "Europe/Berlin"),
    ("bella-bistro", "Bella Bistro", "Starter", "Europe/Rome"),
    ("coral-clinic", "Coral Clinic", "Free", "America/Sao_Paulo"),
]
MEMBERS = [
    # tenant, email, role, password
    ("acme-hotels", "owner@acme.example", "owner", "demo-acme-owner"),
    ("acme-hotels", "agent@acme.example", "agent", "demo-acme-agent"),
    ("bella-bistro", "owner@bella.example", "owner", "demo-bella-owner"),
    ("bella-bistro", "agent@bella.example", "agent", "demo-bella-agent"),
    ("coral-clinic", "owner@coral.example", "owner", "demo-coral-owner"),
    ("coral-clinic", "agent@coral.example", "agent", "demo-coral-agent"),
    ("bella-bistro", "agent@acme.example", "viewer", None),
]
MESSAGES_USED = {"acme-hotels": 1840, "bella-bistro": 310, "coral-clinic": 100}


def seed(out):
    logins = [("admin", *_staff_user(*row)) for row in STAFF]
    tenants = {slug: _tenant(slug, name, plan, tz) for slug, name, plan, tz in TENANTS}
    for slug, email, role, password in MEMBERS:
        if not Membership.objects.filter(tenant=tenants[slug], user__username=email).exists():
            services.add_member(tenants[slug], email, role=role, password=password)
        if password:
            logins.append(("portal", email, password, f"{role} of {tenants[slug].name}"))
    for slug, used in MESSAGES_USED.items():
        _usage(tenants[slug], used)
    out.write(f"tenants: {', '.join(tenants)}")
    return logins


def _staff_user(username, password, superuser, group, description):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username, defaults={"is_staff": True, "is_superuser": superuser, "email": f"{username}@opsdesk.local"}
    )
    if created:
        user.set_password(password)
        user.save()
        if group:
            user.groups.add(Group.objects.get(name=group))
    return username, password, description


def _tenant(slug, name, plan, tz):
    tenant = Tenant.objects.filter(slug=slug).first()
    return tenant or services.create_tenant(slug, name=name, plan_name=plan, timezone_name=tz)


def _usage(tenant, used):
    day = tenant_today(tenant).replace(day=1)
    UsageCounter.objects.get_or_create(
        tenant=tenant, metric=UsageCounter.Metric.MESSAGES_SENT, day=day, defaults={"value": used}
    )
