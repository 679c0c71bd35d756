"""A synthetic webhook delivery that proves a connection's inbound path works end to end: the body
is signed the way the provider signs it (`signing`), goes through the same receiving code as a real
delivery (signature check on the raw bytes, store, enqueue after commit) and is processed by a
worker. Its event type, `opsdesk_test_delivery`, is handled by doing nothing, so no conversation,
message, draft or knowledge sync ever treats it as a customer's; its body says `"opsdesk_test": true`.

Used by the incidents' "test webhook delivery" checklist item, which looks the row up by its external
id on the next run to see it processed."""

import json

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from apps.integrations import receiving, signing
from apps.integrations.models import InboundEvent, Provider

TEST_EVENT = "opsdesk_test_delivery"


def external_id(token) -> str:
    """The inbox row's external id for the delivery `token` (Chatwoot's `<event>:<id>`)."""
    return f"{TEST_EVENT}:{token}"


def send_chatwoot(connection, token, now=None) -> InboundEvent | None:
    """Delivers one signed test event to the Chatwoot connection's webhook; returns its inbox row
    (None when the receiving refused it, e.g. the connection is inactive)."""
    body = json.dumps(
        {"event": TEST_EVENT, "id": token, "opsdesk_test": True, "sent_at": (now or timezone.now()).isoformat()}
    ).encode()
    request = synthetic_request(reverse("webhook-chatwoot", args=[connection.pk]), body, connection)
    receiving.receive(Provider.CHATWOOT, connection.pk, request)
    return find(connection, token)


def find(connection, token) -> InboundEvent | None:
    return InboundEvent.objects.filter(
        provider=connection.provider, connection=connection, external_id=external_id(token)
    ).first()


def synthetic_request(path, body: bytes, connection) -> HttpRequest:
    """A POST as the provider would send it: its signature headers, a JSON body, from Opsdesk itself."""
    request = HttpRequest()
    request.method, request.path = "POST", path
    headers = signing.signed_headers(connection, body)
    request.META = {
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": headers.pop("Content-Type"),
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_USER_AGENT": "Opsdesk test delivery",
        **{"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()},
    }
    request._body = body
    return request
