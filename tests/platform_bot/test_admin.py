"""The Telegram panel in the admin: the user page, My Telegram, the links list, unbinding with a
confirmation; who may generate codes for whom."""

import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from apps.accounts.models import TelegramLink
from apps.events.models import AuditEvent
from apps.platform_bot import services
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
DANA = 5550001


@pytest.fixture
def engineer(db):
    user = StaffFactory(username="dana")
    user.groups.add(Group.objects.get(name="On-call engineer"))
    return user


def shown_code(response):
    return re.search(r"/bind ([A-Z0-9]{8})", response.content.decode()).group(1)


def test_the_user_page_has_the_telegram_panel(admin_client, engineer):
    page = admin_client.get(f"/admin/auth/user/{engineer.pk}/change/").content.decode()

    assert "Telegram (platform bot)" in page and "Not bound." in page
    assert f'formaction="/admin/accounts/telegramlink/code/{engineer.pk}/"' in page


def test_generating_a_code_from_the_user_page_shows_it_once_and_it_binds(admin_client, engineer, bot_api, telegram):
    response = admin_client.post(f"/admin/accounts/telegramlink/code/{engineer.pk}/")

    code = shown_code(response)
    telegram(bot_api.text_update(bot_api.user(DANA, username="dana"), f"/bind {code}"))
    assert TelegramLink.objects.get().user == engineer
    page = admin_client.get(f"/admin/auth/user/{engineer.pk}/change/").content.decode()
    assert "Bound to @dana since" in page and "Unbind…" in page


def test_staff_bind_themselves_from_my_telegram_but_not_others(client, engineer, staff):
    client.force_login(engineer)

    assert "Not bound yet" in client.get("/admin/accounts/telegramlink/mine/").content.decode()
    assert shown_code(client.post(f"/admin/accounts/telegramlink/code/{engineer.pk}/"))
    assert client.post(f"/admin/accounts/telegramlink/code/{staff.pk}/").status_code == 403
    assert client.get(f"/admin/accounts/telegramlink/unbind/{staff.pk}/").status_code == 403


def test_unbinding_asks_first_then_unbinds_with_the_reason(admin_client, engineer):
    services._link(engineer, DANA, DANA, "dana", timezone.now())
    url = f"/admin/accounts/telegramlink/unbind/{engineer.pk}/"

    assert "Yes, unbind" in admin_client.get(url).content.decode() and TelegramLink.objects.exists()
    response = admin_client.post(url, {"confirm": "yes", "reason": "lost phone"})

    assert response.status_code == 302 and not TelegramLink.objects.exists()
    assert AuditEvent.objects.get(action="telegram.unbound").reason == "lost phone"


def test_the_links_list_searches_by_username_and_telegram_id(admin_client, engineer, staff):
    services._link(engineer, DANA, DANA, "dana", timezone.now())
    services._link(staff, 777, 777, "root", timezone.now())

    by_name = admin_client.get("/admin/accounts/telegramlink/", {"q": "dana"}).content.decode()
    by_id = admin_client.get("/admin/accounts/telegramlink/", {"q": "777"}).content.decode()

    assert "@dana" in by_name and "@root" not in by_name
    assert "@root" in by_id and "@dana" not in by_id


def test_the_notification_and_roster_lists_show_telegram(admin_client, engineer, bot_api):
    from apps.incidents.models import Level, OnCallEntry
    from tests.incidents.factories import make_incident

    services._link(engineer, DANA, DANA, "dana", timezone.now())
    OnCallEntry.objects.create(level=Level.ON_CALL, name="Dana", user=engineer, starts_at=timezone.now())
    make_incident(engineer, now=timezone.now())

    assert "Telegram (platform bot)" in admin_client.get("/admin/incidents/notification/").content.decode()
    assert "@dana" in admin_client.get("/admin/incidents/oncallentry/").content.decode()
