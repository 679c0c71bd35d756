"""/bind <code>: a one-time code from the user's page binds the Telegram account that sends it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import TelegramBindCode, TelegramLink
from apps.events.models import AuditEvent
from apps.platform_bot import links, services
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db
DANA, EVE = 5550001, 5550002


def send(bot_api, telegram, user_id, text, username="dana"):
    telegram(bot_api.text_update(bot_api.user(user_id, username=username), text))
    return bot_api.last_message(user_id)["text"]


def test_a_fresh_code_binds_the_sender_and_says_as_whom(bot_api, telegram, staff):
    code, _ = services.new_bind_code(staff, actor=staff)

    reply = send(bot_api, telegram, DANA, f"/bind {code.lower()}")

    link = TelegramLink.objects.get()
    assert (link.user, link.telegram_user_id, link.chat_id, link.telegram_username) == (staff, DANA, DANA, "dana")
    assert "Bound" in reply and staff.username in reply
    assert AuditEvent.objects.filter(action="telegram.bound", target_id=str(staff.pk)).exists()


def test_the_code_is_stored_only_as_a_hash(staff):
    code, row = services.new_bind_code(staff)

    assert code not in row.code_hash and row.code_hash == services.code_hash(code)
    assert row.expires_at - row.created_at == timedelta(minutes=10)


def test_an_expired_code_is_refused(bot_api, telegram, staff):
    code, row = services.new_bind_code(staff)
    TelegramBindCode.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    reply = send(bot_api, telegram, DANA, f"/bind {code}")

    assert "expired" in reply and not TelegramLink.objects.exists()


def test_an_unknown_code_is_refused(bot_api, telegram, staff):
    reply = send(bot_api, telegram, DANA, "/bind NOTACODE")

    assert "unknown" in reply and not TelegramLink.objects.exists()


def test_a_used_code_cannot_bind_again(bot_api, telegram, staff):
    code, _ = services.new_bind_code(staff)
    send(bot_api, telegram, DANA, f"/bind {code}")

    reply = send(bot_api, telegram, EVE, f"/bind {code}", username="eve")

    assert "already used" in reply and TelegramLink.objects.get().telegram_user_id == DANA


def test_a_new_code_cancels_the_older_one(bot_api, telegram, staff):
    old, _ = services.new_bind_code(staff)
    services.new_bind_code(staff)

    assert "unknown" in send(bot_api, telegram, DANA, f"/bind {old}")


def test_bind_without_a_code_says_how(bot_api, telegram):
    assert "followed by the code" in send(bot_api, telegram, DANA, "/bind")


def test_rebinding_replaces_the_users_old_link(bot_api, telegram, staff):
    send(bot_api, telegram, DANA, f"/bind {services.new_bind_code(staff)[0]}")

    send(bot_api, telegram, EVE, f"/bind {services.new_bind_code(staff)[0]}", username="eve")

    assert list(TelegramLink.objects.values_list("user", "telegram_user_id")) == [(staff.pk, EVE)]


def test_one_telegram_account_binds_one_user(bot_api, telegram, staff):
    other = StaffFactory(username="oncall-2")
    send(bot_api, telegram, DANA, f"/bind {services.new_bind_code(staff)[0]}")

    send(bot_api, telegram, DANA, f"/bind {services.new_bind_code(other)[0]}")

    assert list(TelegramLink.objects.values_list("user", "telegram_user_id")) == [(other.pk, DANA)]
    assert AuditEvent.objects.filter(action="telegram.unbound", target_id=str(staff.pk)).exists()


def test_bind_in_a_group_chat_is_refused(bot_api, telegram, staff):
    code, _ = services.new_bind_code(staff)
    update = bot_api.text_update(bot_api.user(DANA), f"/bind {code}", chat_id=-100777)
    update["message"]["chat"]["type"] = "group"

    telegram(update)

    assert "private chat" in bot_api.last_message(-100777)["text"] and not TelegramLink.objects.exists()


def test_unbind_removes_the_link_and_is_audited(bot_api, telegram, staff):
    send(bot_api, telegram, DANA, f"/bind {services.new_bind_code(staff)[0]}")

    assert services.unbind(staff, actor=staff, reason="new phone") is True
    assert not TelegramLink.objects.exists() and services.unbind(staff, actor=staff) is False
    assert AuditEvent.objects.get(action="telegram.unbound").reason == "new phone"


def test_whoami_tells_bound_and_unbound_accounts_apart(bot_api, telegram, staff):
    assert "not bound" in send(bot_api, telegram, DANA, "/whoami")
    send(bot_api, telegram, DANA, f"/bind {services.new_bind_code(staff)[0]}")

    assert staff.username in send(bot_api, telegram, DANA, "/whoami")


def test_the_owner_is_the_earliest_bound_active_superuser(staff, settings):
    later = UserFactory(username="root-2", is_superuser=True, is_staff=True)
    assert not links.owner_bound() and "No active superuser" in links.owner_problem()
    services._link(later, 1, 1, "", timezone.now() - timedelta(days=1))
    services._link(staff, 2, 2, "", timezone.now())

    assert links.owner() == later and links.owner_bound()
    settings.SIGNUP_OWNER_USERNAME = staff.username
    assert links.owner() == staff
    settings.SIGNUP_OWNER_USERNAME = "nobody"
    assert links.owner() is None and "nobody" in links.owner_problem()


def test_a_bound_user_that_is_not_a_superuser_is_not_the_owner(db):
    services._link(StaffFactory(username="agent-1"), 1, 1, "", timezone.now())

    assert not links.owner_bound()


def test_a_failed_reply_is_recorded_with_the_fix(bot_api, telegram):
    from apps.events.models import SystemEvent

    bot_api.blocked.add(DANA)
    telegram(bot_api.text_update(bot_api.user(DANA), "/help"))

    event = SystemEvent.objects.get(code="TELEGRAM_SEND_FAIL")
    assert event.meta["error_code"] == "403" and "blocked" in event.meta["description"]
    assert "Start" in event.meta["fix"] and event.tenant is None
