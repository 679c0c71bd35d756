"""The tenant and membership admin pages change state only through apps.tenants.services: every
add, plan change, role change and removal leaves its audit record."""

import pytest

from apps.core.errors import ServiceError
from apps.events.models import AuditEvent
from apps.tenants import services
from apps.tenants.models import Membership, Tenant
from tests.factories import MembershipFactory, PlanFactory, UserFactory


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


def _tenant_form(tenant, **changes):
    data = {
        "name": tenant.name,
        "plan": tenant.plan_id,
        "timezone": tenant.timezone,
        "plan_reason": "",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    return {**data, **changes}


def test_adding_a_tenant_in_the_admin_writes_an_audit_record(admin_client, staff, db):
    plan = PlanFactory(name="Pro")
    response = admin_client.post(
        "/admin/tenants/tenant/add/",
        {
            "name": "Gamma Guests",
            "slug": "gamma",
            "plan": plan.pk,
            "timezone": "Europe/Rome",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    tenant = Tenant.objects.get(slug="gamma")
    record = AuditEvent.objects.get(action="tenant.created")
    assert record.tenant_id == tenant.pk and record.actor == staff
    assert record.after == {"slug": "gamma", "name": "Gamma Guests", "plan": "Pro", "timezone": "Europe/Rome"}


def test_the_admin_refuses_a_slug_the_service_would_refuse(admin_client, db):
    plan = PlanFactory(name="Pro")
    response = admin_client.post(
        "/admin/tenants/tenant/add/",
        {
            "name": "Gamma",
            "slug": "Gamma_Guests",
            "plan": plan.pk,
            "timezone": "UTC",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200 and b"Invalid slug" in response.content
    assert not Tenant.objects.exists() and not AuditEvent.objects.filter(action__startswith="tenant.").exists()


def test_changing_the_plan_in_the_admin_without_a_reason_is_refused(admin_client, tenant):
    bigger = PlanFactory(name="Enterprise", monthly_message_limit=100_000)
    response = admin_client.post(f"/admin/tenants/tenant/{tenant.pk}/change/", _tenant_form(tenant, plan=bigger.pk))
    assert response.status_code == 200 and b"A reason is required to change the plan" in response.content
    assert Tenant.objects.get(pk=tenant.pk).plan_id != bigger.pk
    assert not AuditEvent.objects.filter(action__startswith="tenant.").exists()


def test_changing_the_plan_in_the_admin_with_a_reason_is_audited(admin_client, tenant, staff):
    old_plan = tenant.plan.name
    bigger = PlanFactory(name="Enterprise", monthly_message_limit=100_000)
    response = admin_client.post(
        f"/admin/tenants/tenant/{tenant.pk}/change/",
        _tenant_form(tenant, plan=bigger.pk, plan_reason="upgrade paid, invoice 2291"),
    )
    assert response.status_code == 302
    assert Tenant.objects.get(pk=tenant.pk).plan_id == bigger.pk
    record = AuditEvent.objects.get(action="tenant.plan_changed")
    assert record.reason == "upgrade paid, invoice 2291" and record.actor == staff
    assert record.before["plan"] == old_plan and record.after["plan"] == "Enterprise"
    assert record.after["monthly_message_limit"] == 100_000


def test_renaming_in_the_admin_is_audited_and_needs_no_reason(admin_client, tenant):
    response = admin_client.post(
        f"/admin/tenants/tenant/{tenant.pk}/change/", _tenant_form(tenant, name="Alpha Suites")
    )
    assert response.status_code == 302
    record = AuditEvent.objects.get(action="tenant.updated")
    assert record.before["name"] == "Alpha Rooms" and record.after["name"] == "Alpha Suites"
    assert not AuditEvent.objects.filter(action="tenant.plan_changed").exists()


@pytest.mark.parametrize("reason", ["", "  ", None])
def test_change_plan_needs_a_reason(tenant, staff, reason):
    with pytest.raises(ServiceError, match="reason is required to change the plan"):
        services.change_plan(tenant, PlanFactory(name="Big"), reason=reason, actor=staff)
    assert not AuditEvent.objects.exists()


def test_change_plan_to_the_same_plan_is_refused(tenant, staff):
    with pytest.raises(ServiceError, match="already on plan"):
        services.change_plan(tenant, tenant.plan, reason="no-op", actor=staff)


def test_adding_a_member_in_the_admin_goes_through_the_service(admin_client, tenant, staff):
    user = UserFactory(username="frontdesk")
    response = admin_client.post(
        "/admin/tenants/membership/add/", {"user": user.pk, "tenant": tenant.pk, "role": "viewer"}
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=user, tenant=tenant)
    assert membership.role == "viewer"
    assert user.username == "frontdesk", "an existing user is used, not one made from an email"
    record = AuditEvent.objects.get(action="membership.added")
    assert record.target_id == str(membership.pk) and record.actor == staff and record.after == {"role": "viewer"}


def test_changing_a_role_in_the_admin_records_the_role_before(admin_client, tenant):
    membership = MembershipFactory(tenant=tenant, role="agent")
    response = admin_client.post(f"/admin/tenants/membership/{membership.pk}/change/", {"role": "admin"})
    assert response.status_code == 302
    record = AuditEvent.objects.get(action="membership.role_changed")
    assert record.before == {"role": "agent"} and record.after == {"role": "admin"}


def test_removing_a_member_in_the_admin_is_audited(admin_client, tenant, staff):
    membership = MembershipFactory(tenant=tenant, role="agent", user__username="leaver@alpha.test")
    response = admin_client.post(f"/admin/tenants/membership/{membership.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    record = AuditEvent.objects.get(action="membership.removed")
    assert record.before == {"user": "leaver@alpha.test", "role": "agent"} and record.actor == staff


def test_changing_a_plans_limits_in_the_admin_is_audited(admin_client, tenant, staff):
    plan = tenant.plan
    response = admin_client.post(
        f"/admin/tenants/plan/{plan.pk}/change/",
        {
            "name": plan.name,
            "monthly_message_limit": 5000,
            "bot_limit": plan.bot_limit,
            "ai_daily_limit": plan.ai_daily_limit,
            "ai_monthly_limit": plan.ai_monthly_limit,
            "ai_daily_token_limit": plan.ai_daily_token_limit,
            "ai_monthly_token_limit": plan.ai_monthly_token_limit,
        },
    )
    assert response.status_code == 302
    record = AuditEvent.objects.get(action="plan.changed")
    assert (record.before["monthly_message_limit"], record.after["monthly_message_limit"]) == (1000, 5000)
    assert record.after["tenants_on_plan"] == 1 and record.actor == staff


def test_deleting_a_tenant_in_the_admin_is_audited(admin_client, other_tenant):
    response = admin_client.post(f"/admin/tenants/tenant/{other_tenant.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Tenant.objects.filter(pk=other_tenant.pk).exists()
    assert AuditEvent.objects.get(action="tenant.deleted").before["slug"] == "beta"
