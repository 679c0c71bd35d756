"""`manage.py sign_webhook` prints a curl that a fresh install accepts, for every provider; and
`add_connection --help` lists each provider's --set keys."""

import io
import json
import shlex

import pytest
from django.core.management import CommandError, call_command

from apps.integrations import services
from apps.integrations.management.commands.add_connection import Command as AddConnection
from apps.integrations.models import PROVIDER_KEYS
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

PAYLOADS = {
    "meta": {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "1",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"phone_number_id": "555000111"},
                            "messages": [
                                {
                                    "from": "4915112345678",
                                    "id": "wamid.SIGNED1",
                                    "timestamp": "1700000000",
                                    "type": "text",
                                    "text": {"body": "hello"},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    },
    "waha": {
        "id": "evt_signed",
        "event": "message",
        "session": "default",
        "payload": {"id": "m1", "from": "393331112233@c.us", "body": "hi", "timestamp": 1700000000},
    },
    "chatwoot": {
        "event": "message_created",
        "id": 77,
        "content": "hi",
        "message_type": "incoming",
        "conversation": {"id": 3, "status": "open"},
    },
    "pms": {"type": "reservation.created", "data": {"reservation_id": "R-1", "room": "101"}},
    "telegram": {"update_id": 4242, "message": {"message_id": 1, "chat": {"id": 9}, "text": "hi"}},
    "n8n": {"run_id": 123, "status": "succeeded", "reply": "ok"},
}
SETUP = {
    "meta": ("", {"phone_number_id": "555000111"}),
    "waha": ("waha-hmac-key", {"base_url": "http://127.0.0.1:9"}),
    "chatwoot": ("chatwoot-secret", {"base_url": "http://127.0.0.1:9"}),
    "pms": ("", {"base_url": "http://127.0.0.1:9"}),
    "telegram": ("", {}),
    "n8n": ("", {"base_url": "http://127.0.0.1:9"}),
}


def _curl_parts(text):
    words = shlex.split(text.replace("\\\n", " "))
    headers = dict(words[i + 1].split(": ", 1) for i, word in enumerate(words) if word == "-H")
    return words[words.index("POST") + 1], headers, words[-1].lstrip("@")


@pytest.mark.parametrize("provider", sorted(PAYLOADS))
def test_the_printed_curl_is_accepted_by_the_webhook(provider, client, tmp_path, settings):
    settings.META_APP_SECRET = "demo-app-secret"
    secret, values = SETUP[provider]
    connection = services.create_connection(TenantFactory(), provider, secret=secret, values=values)
    payload = tmp_path / "payload.json"
    payload.write_text(json.dumps(PAYLOADS[provider], indent=2))
    out = io.StringIO()

    call_command("sign_webhook", str(connection.pk), str(payload), stdout=out)

    url, headers, file = _curl_parts(out.getvalue())
    assert url == services.webhook_url(connection) and file == str(payload)
    path = url.removeprefix(settings.PUBLIC_BASE_URL)
    response = client.post(path, data=payload.read_bytes(), content_type=headers.pop("Content-Type"), headers=headers)
    assert response.status_code == 200, response.content


def test_a_meta_webhook_cannot_be_signed_without_the_app_secret(tmp_path, settings):
    settings.META_APP_SECRET = ""
    connection = services.create_connection(TenantFactory(), "meta", values={"phone_number_id": "555000112"})
    payload = tmp_path / "payload.json"
    payload.write_text("{}")

    with pytest.raises(CommandError, match="META_APP_SECRET is not set"):
        call_command("sign_webhook", str(connection.pk), str(payload))


def test_an_unknown_connection_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="No connection"):
        call_command("sign_webhook", "not-a-uuid", str(tmp_path / "x.json"))


def test_add_connection_help_lists_every_providers_keys():
    text = AddConnection().create_parser("manage.py", "add_connection").format_help()

    for provider, keys in PROVIDER_KEYS.items():
        line = next(line for line in text.splitlines() if line.strip().startswith(f"{provider} "))
        assert all(key in line for key in keys if key != "signing_secret")
    assert "access_token*" in text
