from apps.tenants.models import Membership, UsageCounter
from apps.tenants.usage import increment
from tests.factories import MembershipFactory


def test_dashboard_shows_tenant_plan_switches_and_usage(owner_client, tenant):
    increment(tenant, UsageCounter.Metric.MESSAGES_SENT, 12)
    page = owner_client.get("/dashboard/").content.decode()
    assert tenant.name in page and tenant.plan.name in page
    assert "Messages this month" in page and ">12<" in page
    assert "Limit reached" not in page


def test_dashboard_says_limit_reached_plainly(owner_client, tenant):
    increment(tenant, UsageCounter.Metric.MESSAGES_SENT, tenant.plan.monthly_message_limit)
    assert b"Limit reached" in owner_client.get("/dashboard/").content


def test_dashboard_needs_login(client, db):
    response = client.get("/dashboard/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_user_switches_between_their_tenants(client, people, tenant, other_tenant):
    MembershipFactory(user=people.owner, tenant=other_tenant, role=Membership.Role.VIEWER)
    client.force_login(people.owner)
    assert b"Switch" in client.get("/dashboard/").content
    client.post("/dashboard/switch/", {"tenant": other_tenant.slug})
    assert other_tenant.name.encode() in client.get("/dashboard/").content


def test_switching_to_a_tenant_you_do_not_belong_to_is_404(client, people, other_tenant):
    client.force_login(people.owner)
    assert client.post("/dashboard/switch/", {"tenant": other_tenant.slug}).status_code == 404


def test_forms_carry_csrf_tokens(owner_client):
    page = owner_client.get("/dashboard/api-keys/").content
    assert b"csrfmiddlewaretoken" in page
