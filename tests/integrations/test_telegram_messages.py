"""Telegram `message` updates and the AI bot: only a private chat gets a bot run, and `/start`
(Telegram's Start button, with or without a deep link's parameter) opens the chat without a model
call. Signed webhooks in, a local OpenRouter server answering, replies posted to a local Bot API
server (tasks run in-process)."""

import pytest

from apps.integrations import automation
from apps.integrations import services as integration_services
from apps.integrations.models import AutomationRun, ConversationMessage
from apps.outbound.models import ContactChannelPolicy, OutboundMessage
from tests.fakes import serving
from tests.fakes.openai_compat import sole_provider
from tests.fakes.telegram import FakeTelegram
from tests.integrations import signing

pytestmark = pytest.mark.django_db
SECRET = "tg-secret"
REPLY = "Breakfast is served from 7 to 10."

telegram_server = serving(FakeTelegram)


@pytest.fixture
def openrouter(settings):
    with sole_provider(settings, reply_text=REPLY) as fake:
        settings.OUTBOUND_HTTP_TIMEOUT_S = settings.OUTBOUND_HTTP_CONNECT_TIMEOUT_S = 0.5
        yield fake


@pytest.fixture
def telegram(tenant, telegram_server, openrouter):
    automation.create_bot(tenant, name="Concierge", mode="ai", system_prompt="You are the concierge.")
    values = {"api_base_url": telegram_server.url, "bot_token": telegram_server.token}
    return integration_services.create_connection(tenant, "telegram", secret=SECRET, values=values)


def posted(client, telegram, text, chat, update_id=9001):
    update = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "from": {"id": 4242, "first_name": "Ada"},
            "chat": chat,
            "date": 1764000000,
            "text": text,
        },
    }
    body = signing.body_of(update)
    response = client.post(
        f"/webhooks/telegram/{telegram.pk}/",
        data=body,
        content_type="application/json",
        **signing.telegram_headers(SECRET),
    )
    assert response.status_code == 200


def sent(telegram_server):
    return [request.json() for request in telegram_server.requests_to(telegram_server.path)]


PRIVATE = {"id": 4242, "type": "private", "first_name": "Ada"}


def test_a_private_text_gets_one_ai_reply(
    client, telegram, telegram_server, openrouter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        posted(client, telegram, "Is breakfast included?", PRIVATE)

    assert len(openrouter.completions) == 1
    [reply] = sent(telegram_server)
    assert (str(reply["chat_id"]), reply["text"]) == ("4242", REPLY)


@pytest.mark.parametrize("kind", ["group", "supergroup"])
def test_a_group_message_is_kept_for_operators_but_never_answered(
    client, telegram, telegram_server, openrouter, kind, django_capture_on_commit_callbacks
):
    group = {"id": -1001234567890, "type": kind, "title": "Alpha guests"}
    with django_capture_on_commit_callbacks(execute=True):
        posted(client, telegram, "stop", group)

    assert openrouter.completions == [] and sent(telegram_server) == []
    assert ConversationMessage.objects.get().conversation.external_id == "-1001234567890"
    assert not AutomationRun.objects.exists() and not OutboundMessage.objects.exists()
    assert not ContactChannelPolicy.objects.exists()


@pytest.mark.parametrize("text", ["/start", "/start ref123", "/START@AlphaRoomsBot"])
def test_start_opens_the_chat_without_a_model_call(
    client, telegram, telegram_server, openrouter, text, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        posted(client, telegram, text, PRIVATE)

    assert openrouter.completions == [] and sent(telegram_server) == []
    assert ConversationMessage.objects.get().text == text
    assert not AutomationRun.objects.exists()
    assert ContactChannelPolicy.objects.get().contact_id == "4242"


def test_start_still_subscribes_an_opted_out_contact_again(
    client, telegram, openrouter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        posted(client, telegram, "STOP", PRIVATE, update_id=1)
    with django_capture_on_commit_callbacks(execute=True):
        posted(client, telegram, "/start", PRIVATE, update_id=2)

    assert ContactChannelPolicy.objects.get().opted_out is False
    assert openrouter.completions == []
