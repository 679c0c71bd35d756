"""The JSON session API for a separate front end: log in (with the portal's lockout and audit),
who am I, switch the active tenant, log out."""

import pytest

from apps.events.models import AuditEvent
from tests.accounts.front_end import FrontEnd
from tests.factories import MembershipFactory


@pytest.fixture
def front():
    return FrontEnd()


def test_me_without_a_session_is_401_and_hands_out_a_csrf_token(front, db):
    response = front.get("/auth/me")
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"
    assert response.json()["csrf_token"]
    assert "csrftoken" in response.cookies


def test_login_answers_who_i_am_with_my_tenants_roles_and_active_tenant(front, people, tenant):
    response = front.log_in(people.owner.username, people.password)
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["username"] == people.owner.username
    assert body["tenants"] == [{"slug": "alpha", "name": "Alpha Rooms", "role": "owner"}]
    assert body["active_tenant"]["slug"] == "alpha"
    assert body["csrf_token"]
    assert front.session["_auth_user_id"] == str(people.owner.pk)
    assert AuditEvent.objects.filter(action="auth.login", actor_label__contains=people.owner.username).exists()


def test_after_login_me_answers_with_the_session_cookie(front, people):
    front.log_in(people.member.username, people.password)
    response = front.get("/auth/me")
    assert response.status_code == 200
    assert response.json()["tenants"][0]["role"] == "agent"


def test_a_wrong_password_is_401_invalid_credentials_and_audited(front, people):
    response = front.log_in(people.owner.username, "not-it")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_credentials"
    assert "_auth_user_id" not in front.session
    assert AuditEvent.objects.filter(action="auth.login_failed", actor_label=people.owner.username).exists()


@pytest.mark.parametrize(
    "body, field",
    [({"username": "owner@alpha.test"}, "password"), ({"password": "x"}, "username"), ({"username": 3}, "username")],
)
def test_a_missing_field_is_a_400_naming_it(front, people, body, field):
    response = front.post_json("/auth/login", body, front.token())
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert field in response.json()["fields"]


def test_a_body_that_is_not_json_is_a_400(front, db):
    token = front.token()
    response = front.post("/auth/login", "{nope", content_type="application/json", HTTP_X_CSRF_TOKEN=token)
    assert response.status_code == 400
    assert "body" in response.json()["fields"]


def test_five_wrong_passwords_lock_the_json_login_as_they_lock_the_portal(front, people):
    for _ in range(5):
        front.log_in(people.owner.username, "wrong-password")
    response = front.log_in(people.owner.username, people.password)
    assert response.status_code == 429
    assert response.json()["error"] == "locked_out"
    assert response["Retry-After"]
    assert "_auth_user_id" not in front.session
    assert AuditEvent.objects.filter(action="auth.locked_out", actor_label=people.owner.username).exists()


def test_failures_at_the_portal_count_for_the_json_login(client, front, people):
    for _ in range(5):
        client.post("/login/", {"username": people.owner.username, "password": "wrong"})
    assert front.log_in(people.owner.username, people.password).status_code == 429


def test_switching_to_another_of_my_tenants_makes_it_active(front, people, other_tenant):
    MembershipFactory(user=people.owner, tenant=other_tenant, role="viewer")
    front.log_in(people.owner.username, people.password)
    response = front.post_json("/auth/tenant", {"tenant": "beta"}, front.token())
    assert response.status_code == 200
    assert response.json()["active_tenant"] == {"slug": "beta", "name": "Beta Bots", "role": "viewer"}
    assert front.get("/auth/me").json()["active_tenant"]["slug"] == "beta"
    assert "<h1>Beta Bots</h1>" in front.get("/dashboard/").content.decode()


def test_switching_to_a_tenant_i_am_not_a_member_of_is_404(front, people, other_tenant):
    front.log_in(people.owner.username, people.password)
    response = front.post_json("/auth/tenant", {"tenant": "beta"}, front.token())
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert front.get("/auth/me").json()["active_tenant"]["slug"] == "alpha"


def test_switching_needs_a_tenant_field_and_a_session(front, people):
    assert front.post_json("/auth/tenant", {}, front.token()).status_code == 401
    front.log_in(people.owner.username, people.password)
    response = front.post_json("/auth/tenant", {}, front.token())
    assert response.status_code == 400
    assert "tenant" in response.json()["fields"]


def test_logout_ends_the_session(front, people):
    front.log_in(people.owner.username, people.password)
    response = front.post_json("/auth/logout", {}, front.token())
    assert response.status_code == 200
    assert front.get("/auth/me").status_code == 401


def test_api_keys_still_work_for_machines(tenant_api):
    assert tenant_api.get("/api/v1/tenant/").status_code == 200


def test_the_session_reaches_the_api_for_reads(front, people):
    front.log_in(people.owner.username, people.password)
    assert front.get("/api/v1/tenant/").status_code == 200
