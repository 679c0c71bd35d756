"""Five wrong passwords in 15 minutes lock an account from every address, and five from one
address lock that address for every account, in the portal and in the admin alike."""

import pytest

from apps.events.models import AuditEvent
from tests.factories import MembershipFactory

ATTACKER, PROXY = "203.0.113.7", "10.9.0.1"


def _fail(client, url, username, times, ip="127.0.0.1", **extra):
    for _ in range(times):
        client.post(url, {"username": username, "password": "wrong-password"}, REMOTE_ADDR=ip, **extra)


def _login(client, username, password, ip="127.0.0.1", **extra):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


@pytest.fixture
def accounts(tenant):
    return [
        MembershipFactory(tenant=tenant, role="agent", user__username=f"agent{n}@alpha.test").user for n in range(6)
    ]


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
    response = _login(client, people.owner.username, people.password)
    assert response.status_code == 302 and response.url == "/dashboard/"
    assert not AuditEvent.objects.filter(action="auth.locked_out").exists()


@pytest.mark.parametrize("addresses, guesses", [(4, 5), (5, 1)])
def test_guesses_from_many_addresses_lock_the_account(client, people, addresses, guesses):
    for n in range(addresses):
        _fail(client, "/login/", people.owner.username, guesses, ip=f"198.51.100.{n + 1}")
    assert _login(client, people.owner.username, people.password, ip="198.51.100.99").status_code == 429


def test_one_guess_at_each_of_five_accounts_locks_the_address_not_the_accounts(client, people, accounts):
    for user in accounts[:5]:
        _fail(client, "/login/", user.username, 1, ip=ATTACKER)
    assert _login(client, accounts[5].username, people.password, ip=ATTACKER).status_code == 429
    assert _login(client, accounts[0].username, people.password, ip="198.51.100.1").status_code == 302


def test_a_locked_address_cannot_lock_more_accounts(client, people, accounts):
    _fail(client, "/login/", accounts[0].username, 5, ip=ATTACKER)
    _fail(client, "/login/", people.member.username, 10, ip=ATTACKER)
    assert _login(client, people.member.username, people.password, ip="198.51.100.1").status_code == 302


def test_logging_in_to_an_own_account_does_not_clear_the_addresss_failures(client, people):
    _fail(client, "/login/", people.owner.username, 4, ip=ATTACKER)
    assert _login(client, people.stranger.username, people.password, ip=ATTACKER).status_code == 302
    client.logout()
    _fail(client, "/login/", people.owner.username, 1, ip=ATTACKER)
    assert _login(client, people.owner.username, people.password, ip="198.51.100.1").status_code == 429


def test_the_right_password_clears_that_accounts_failures(client, people):
    _fail(client, "/login/", people.owner.username, 4, ip="198.51.100.1")
    assert _login(client, people.owner.username, people.password, ip="198.51.100.2").status_code == 302
    client.logout()
    _fail(client, "/login/", people.owner.username, 4, ip="198.51.100.3")
    assert _login(client, people.owner.username, people.password, ip="198.51.100.4").status_code == 302


def test_the_lockout_page_says_how_long_in_words(client, people):
    _fail(client, "/login/", people.owner.username, 5)
    response = _login(client, people.owner.username, people.password)
    assert "locked for 15 minutes" in response.content.decode().replace("\xa0", " ")
    assert b"PT15M" not in response.content
    assert response["Retry-After"] == "900"


def test_the_json_lockout_answer_says_how_long_in_words(client, people):
    _fail(client, "/login/", people.owner.username, 5)
    response = _login(client, people.owner.username, people.password, HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert response.status_code == 429 and response["Retry-After"] == "900"
    assert response.json() == {
        "error": "locked_out",
        "cooloff": "15 minutes",
        "detail": "Too many failed logins. Try again in 15 minutes.",
    }


def test_successful_login_is_audited_with_the_address(client, people):
    _login(client, people.owner.username, people.password, ip="10.1.2.3")
    record = AuditEvent.objects.get(action="auth.login")
    assert record.actor == people.owner and record.ip_address == "10.1.2.3"


def test_behind_the_proxy_each_client_address_counts_on_its_own(client, people, accounts, settings):
    settings.TRUSTED_PROXIES = ["10.9.0.0/16"]
    for n, user in enumerate(accounts[:5]):
        _fail(client, "/login/", user.username, 1, ip=PROXY, HTTP_X_FORWARDED_FOR=f"198.51.100.{n + 1}")
    response = _login(
        client, accounts[5].username, people.password, ip=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.50, 10.9.0.7"
    )
    assert response.status_code == 302
    assert AuditEvent.objects.get(action="auth.login").ip_address == "198.51.100.50"


def test_a_client_not_from_the_proxy_cannot_choose_its_address(client, people, accounts, settings):
    settings.TRUSTED_PROXIES = ["10.9.0.0/16"]
    for n, user in enumerate(accounts[:5]):
        _fail(client, "/login/", user.username, 1, ip=ATTACKER, HTTP_X_FORWARDED_FOR=f"198.51.100.{n + 1}")
    response = _login(client, accounts[5].username, people.password, ip=ATTACKER, HTTP_X_FORWARDED_FOR="198.51.100.9")
    assert response.status_code == 429
