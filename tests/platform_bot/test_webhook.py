"""POST /auth/telegram/webhook: only Telegram (which knows the secret) gets in, each update is
stored once in the shared inbox without a tenant, and the worker processes it."""

import pytest

from apps.events.models import SystemEvent
from apps.integrations.models import InboundEvent
from apps.integrations.services import replay

pytestmark = pytest.mark.django_db
DANA = 5550001


def test_a_wrong_secret_is_401_stores_nothing_and_is_recorded(bot_api, telegram):
    answer = telegram(bot_api.text_update(bot_api.user(DANA), "/whoami"), secret="guessed")

    assert answer.status_code == 401 and answer.json()["error"] == "bad_secret"
    assert not InboundEvent.objects.exists() and bot_api.calls("sendMessage") == []
    assert SystemEvent.objects.get().code == "TELEGRAM_WEBHOOK_UNAUTHORIZED"


def test_a_missing_secret_is_401(bot_api, client):
    answer = bot_api.deliver(bot_api.text_update(bot_api.user(DANA), "/help"), client=client, secret="")

    assert answer.status_code == 401 and not InboundEvent.objects.exists()


def test_unconfigured_bot_answers_503_saying_why(bot_api, client, settings):
    settings.TELEGRAM_BOT_TOKEN = ""

    answer = bot_api.deliver(bot_api.text_update(bot_api.user(DANA), "/help"), client=client)

    assert answer.status_code == 503 and "TELEGRAM_BOT_TOKEN" in answer.json()["detail"]
    assert not InboundEvent.objects.exists()


def test_an_update_is_stored_without_tenant_and_answered(bot_api, telegram):
    answer = telegram(bot_api.text_update(bot_api.user(DANA), "/help"))

    assert answer.status_code == 200 and answer.json() == {"stored": 1, "duplicates": 0}
    event = InboundEvent.objects.get()
    assert (event.provider, event.tenant, event.connection, event.status) == ("platform_bot", None, None, "processed")
    assert "/bind" in bot_api.last_message(DANA)["text"]
    assert "x-telegram-bot-api-secret-token" not in {name.lower() for name in event.headers}


def test_the_same_update_id_is_stored_and_processed_once(bot_api, telegram):
    update = bot_api.text_update(bot_api.user(DANA), "/whoami")

    first, second = telegram(update), telegram(update)

    assert first.json()["stored"] == 1 and second.json() == {"stored": 0, "duplicates": 1}
    assert InboundEvent.objects.count() == 1 and len(bot_api.sent(DANA)) == 1


def test_update_ids_are_not_confused_with_a_tenant_bots(bot_api, telegram, tenant):
    from apps.integrations import services as integration_services

    connection = integration_services.create_connection(tenant, "telegram", name="Hotel bot")
    update = bot_api.text_update(bot_api.user(DANA), "/help")
    InboundEvent.objects.create(
        provider="telegram", connection=connection, tenant=tenant, external_id=str(update["update_id"]), raw_body="{}"
    )

    assert telegram(update).json()["stored"] == 1


@pytest.mark.parametrize(
    ("body", "error"),
    [(b"[1, 2]", "invalid_payload"), (b'{"message": {}}', "invalid_payload"), (b"{not json", "invalid_json")],
)
def test_a_body_that_is_not_an_update_is_400(client, body, error):
    answer = client.post(
        "/auth/telegram/webhook",
        body,
        content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-platform_webhook"},
    )

    assert answer.status_code == 400 and not InboundEvent.objects.exists()


def test_a_platform_update_can_be_replayed_and_the_replay_is_audited(bot_api, telegram, staff):
    from apps.events.models import AuditEvent

    telegram(bot_api.text_update(bot_api.user(DANA), "/help"))
    event = InboundEvent.objects.get()
    InboundEvent.objects.filter(pk=event.pk).update(status="dead_lettered")

    assert replay(InboundEvent.objects.filter(pk=event.pk), actor=staff, reason="test") == 1
    assert AuditEvent.objects.get(action="inbound.replayed").tenant is None


def test_the_inbox_admin_lists_platform_updates(bot_api, telegram, admin_client):
    telegram(bot_api.text_update(bot_api.user(DANA), "/help"))
    event = InboundEvent.objects.get()

    assert admin_client.get("/admin/integrations/inboundevent/").status_code == 200
    assert admin_client.get(f"/admin/integrations/inboundevent/{event.pk}/change/").status_code == 200


def test_the_inbox_pages_and_api_say_a_platform_update_has_no_tenant(bot_api, telegram, admin_client, operator_api):
    telegram(bot_api.text_update(bot_api.user(DANA), "/help"))
    event = InboundEvent.objects.get()

    page = admin_client.get(f"/admin/integrations/inboundevent/{event.pk}/change/").content.decode()
    listed = operator_api.get("/api/v1/inbound-events/", {"provider": "platform_bot"}).json()

    assert "none: the platform&#x27;s own Telegram bot" in page and "none: a platform delivery" in page
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [(row["provider"], row["tenant"], row["connection"]) for row in rows] == [("platform_bot", None, None)]
