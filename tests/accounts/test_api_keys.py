import pytest
from django.core.management import call_command

from apps.accounts import services
from apps.accounts.keys import hash_key
from apps.accounts.models import ApiKey
from apps.events.models import AuditEvent


def test_key_is_stored_hashed_and_authenticates(tenant):
    api_key, key = services.issue_tenant_key(tenant, name="crm")
    stored = ApiKey.objects.get(pk=api_key.pk)
    assert key not in (stored.key_hash, stored.prefix) and stored.key_hash == hash_key(key)
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = api.get("/api/v1/tenant/")
    assert response.status_code == 200 and response.json()["slug"] == tenant.slug
    assert AuditEvent.objects.filter(action="api_key.created", tenant_id=tenant.id).exists()


def test_revoked_key_is_refused_with_a_clear_401(tenant):
    from rest_framework.test import APIClient

    api_key, key = services.issue_tenant_key(tenant, name="crm")
    services.revoke(api_key, actor=None)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = api.get("/api/v1/tenant/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid or revoked API key."
    assert AuditEvent.objects.filter(action="api_key.revoked").count() == 1


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer odk_abc_def", "Bearer "])
def test_malformed_or_unknown_keys_are_401(db, header):
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=header)
    assert api.get("/api/v1/tenant/").status_code == 401


def test_unauthenticated_api_request_is_refused(client, db):
    response = client.get("/api/v1/tenant/")
    assert response.status_code in (401, 403)
    assert "detail" in response.json()


def test_create_api_key_command_prints_the_key_once(tenant, capsys):
    call_command("create_api_key", tenant.slug, "--name", "zapier")
    out = capsys.readouterr()
    key = out.out.strip()
    assert key.startswith("odk_") and "not shown again" in out.err
    assert ApiKey.objects.get(name="zapier").key_hash == hash_key(key)


def test_operator_key_is_only_for_staff(people, staff):
    from apps.core.errors import ServiceError

    with pytest.raises(ServiceError, match="not an active staff user"):
        services.issue_operator_key(people.owner.username, name="nope")
    api_key, _ = services.issue_operator_key(staff.username, name="pager")
    assert api_key.is_operator_key


def test_portal_owner_creates_and_revokes_a_key_member_cannot(client, people, tenant):
    client.force_login(people.owner)
    page = client.post("/dashboard/api-keys/", {"name": "website"})
    api_key = ApiKey.objects.get(name="website")
    assert api_key.tenant == tenant and b"shown only once" in page.content
    client.post(f"/dashboard/api-keys/{api_key.pk}/revoke/")
    assert ApiKey.objects.get(pk=api_key.pk).is_revoked

    client.force_login(people.member)
    assert client.get("/dashboard/api-keys/").status_code == 403
