"""WAHA `message` events and the AI bot: only a person's own chat gets a bot run. A Status update
(`status@broadcast`) is no conversation; a group's, a channel's or a broadcast list's message is
kept for operators but never answered; a contact card or a location (WEBJS puts a vCard or a base64
thumbnail in `body`) is no text for the model. Signed webhooks in, a local OpenRouter server
answering, replies posted to a local WAHA server (tasks run in-process)."""

import pytest

from apps.integrations import automation
from apps.integrations import services as integration_services
from apps.integrations.models import AutomationRun, ConversationMessage
from apps.outbound.models import ContactChannelPolicy, OutboundMessage
from tests.fakes import serving
from tests.fakes.openai_compat import sole_provider
from tests.fakes.waha import FakeWaha
from tests.integrations import signing

pytestmark = pytest.mark.django_db
KEY = "waha-hmac-key"
GUEST = "4915112345678@c.us"
REPLY = "Breakfast is served from 7 to 10."
THUMBNAIL = "/9j/4AAQSkZJRgABAQAAAQABAAD"
VCARD = "BEGIN:VCARD\nVERSION:3.0\nFN:Ada Lovelace\nTEL;type=CELL:+49 151 1111111\nEND:VCARD"

waha_server = serving(FakeWaha)


@pytest.fixture
def openrouter(settings):
    with sole_provider(settings, reply_text=REPLY) as fake:
        settings.OUTBOUND_HTTP_TIMEOUT_S = settings.OUTBOUND_HTTP_CONNECT_TIMEOUT_S = 0.5
        yield fake


@pytest.fixture
def waha(tenant, waha_server, openrouter):
    automation.create_bot(tenant, name="Concierge", mode="ai", system_prompt="You are the concierge.")
    values = {"base_url": waha_server.url, "session": "default", "api_key": waha_server.api_key}
    return integration_services.create_connection(tenant, "waha", name="Alpha WAHA", secret=KEY, values=values)


def posted(client, waha, message_id, **payload):
    event = {
        "id": f"evt_{message_id}",
        "event": "message",
        "session": "default",
        "payload": {"id": message_id, "timestamp": 1764000000, "fromMe": False, "from": GUEST, **payload},
    }
    body = signing.body_of(event)
    response = client.post(
        f"/webhooks/waha/{waha.pk}/", data=body, content_type="application/json", **signing.waha_headers(KEY, body)
    )
    assert response.status_code == 200


def nothing_answered(openrouter, waha_server):
    assert openrouter.completions == []
    assert waha_server.requests_to("/api/sendText") == []
    assert not OutboundMessage.objects.exists()


def test_a_private_text_gets_one_ai_reply(client, waha, waha_server, openrouter, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        posted(client, waha, "false_GUEST_1", body="Is breakfast included?", _data={"type": "chat"})

    assert openrouter.completions[0]["messages"][-1] == {"role": "user", "content": "Is breakfast included?"}
    run = AutomationRun.objects.get()
    assert (run.status, run.reply) == ("succeeded", REPLY)
    [sent] = waha_server.requests_to("/api/sendText")
    assert (sent.json()["chatId"], sent.json()["text"]) == (GUEST, REPLY)


def test_a_status_update_is_not_stored_and_not_answered(
    client, waha, waha_server, openrouter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        posted(
            client,
            waha,
            "false_status@broadcast_1",
            **{"from": "status@broadcast", "participant": GUEST, "body": "STOP"},
        )

    nothing_answered(openrouter, waha_server)
    assert not ConversationMessage.objects.exists() and not AutomationRun.objects.exists()
    assert not ContactChannelPolicy.objects.exists()


@pytest.mark.parametrize(
    "chat",
    ["120363040000000001@g.us", "120363040000000002@newsletter", "1764000000@broadcast"],
    ids=["group", "channel", "broadcast-list"],
)
def test_a_shared_chat_is_kept_for_operators_but_never_answered(
    client, waha, waha_server, openrouter, chat, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        posted(client, waha, f"false_{chat}_1", **{"from": chat, "participant": GUEST, "body": "stop"})

    nothing_answered(openrouter, waha_server)
    message = ConversationMessage.objects.get()
    assert (message.conversation.external_id, message.text) == (chat, "stop")
    assert not AutomationRun.objects.exists() and not ContactChannelPolicy.objects.exists()


@pytest.mark.parametrize(
    "payload, kind",
    [
        ({"body": VCARD, "vCards": [VCARD], "_data": {"type": "vcard"}}, "vcard"),
        ({"body": THUMBNAIL, "location": {"latitude": 52.5}, "_data": {"type": "location"}}, "location"),
        ({"body": None, "vCards": [VCARD], "_data": {"key": {}, "message": {"contactMessage": {}}}}, "vcard"),
        ({"body": "", "hasMedia": True, "_data": {"type": "sticker"}}, "sticker"),
    ],
    ids=["webjs-vcard", "webjs-location", "noweb-vcard", "webjs-sticker"],
)
def test_a_message_that_is_no_text_makes_no_model_call(
    client, waha, waha_server, openrouter, payload, kind, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        posted(client, waha, "false_GUEST_2", **payload)

    nothing_answered(openrouter, waha_server)
    message = ConversationMessage.objects.get()
    assert (message.message_type, message.text) == (kind, "")
    assert AutomationRun.objects.get().status == "failed"


@pytest.mark.parametrize(
    "payload",
    [
        {"body": "Is this room free?", "hasMedia": True, "_data": {"type": "image"}},
        {"body": "Is this room free?", "hasMedia": True, "_data": {"Info": {}, "Message": {"imageMessage": {}}}},
    ],
    ids=["webjs", "gows"],
)
def test_a_photo_with_a_caption_is_answered_from_the_caption(
    client, waha, waha_server, openrouter, payload, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        posted(client, waha, "false_GUEST_3", **payload)

    assert openrouter.completions[0]["messages"][-1]["content"] == "Is this room free?"
    assert len(waha_server.requests_to("/api/sendText")) == 1
