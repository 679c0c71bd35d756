"""Five wrong passwords in 15 minutes lock the account for that user and address, in the portal
and in the admin alike."""
import pytest

from apps.events.models import AuditEvent


def _fail(client, url, username, times):
    for _ in range(times):
        client.post(url, {"username": username, "password": "wrong-password"})


@pytest.mark.parametrize("url", ["/login/", "/admin/login/"])
def test_five_wrong_passwords_lock_the_account_even_for_the_right_password(client, people, staff, url):
    username = people.owner.username if url == "/login/" else staff.username
    _fail(client, url, username, 5)
    response = client.post(url, {"username": username, "password": people.password})
    assert response.status_code == 429
    assert b"locked" in response.content.lower()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.locked_out", actor_label=username).exists()
    assert AuditEvent.objects.filter(action="auth.login_failed").count() >= 5


def test_four_wrong_passwords_do_not_lock(client, people):
    _fail(client, "/login/", people.owner.username, 4)
    response = client.post("/login/", {"username": people.owner.username, "password": people.password})
    assert response.status_code == 302 and response.url == "/dashboard/"
    assert not AuditEvent.objects.filter(action="auth.locked_out").exists()


def test_lockout_is_per_user_and_address(client, people):
    _fail(client, "/login/", people.owner.username, 5)
    response = client.post("/login/", {"username": people.member.username, "password": people.password})
    assert response.status_code == 302


def test_successful_login_is_audited_with_the_address(client, people):
    client.post("/login/", {"username": people.owner.username, "password": people.password},
                REMOTE_ADDR="10.1.2.3")
    record = AuditEvent.objects.get(action="auth.login")
    assert record.actor == people.owner and record.ip_address == "10.1.2.3"
