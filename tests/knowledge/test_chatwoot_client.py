"""The Chatwoot client against a local Chatwoot: the token header, Chatwoot's page shapes and
cursors, and each failure classified with its endpoint, status and Retry-After."""

import pytest
from django.test import override_settings

from apps.integrations.chatwoot.client import ChatwootClient, ChatwootError
from tests.fakes.chatwoot import NOT_FOUND, SERVER_ERROR, FakeChatwoot, rate_limited
from tests.fakes.server import Reply
from tests.knowledge.factories import ChatwootConnectionFactory, chatwoot_connection

pytestmark = pytest.mark.django_db
FAST = override_settings(CHATWOOT_BACKOFF_BASE_S=0.001, CHATWOOT_BACKOFF_MAX_S=0.01, CHATWOOT_MAX_ATTEMPTS=3)


@pytest.fixture
def chatwoot():
    with FakeChatwoot(account_id=7, token="secret-token") as fake:
        yield fake


def client_for(fake, **kwargs):
    return ChatwootClient(chatwoot_connection(fake), **kwargs)


def test_lists_every_status_newest_activity_first_with_the_token_header(chatwoot):
    old = chatwoot.add_conversation(status="resolved")
    chatwoot.tick(3600)
    new = chatwoot.add_conversation(status="open")

    page = client_for(chatwoot).conversations()

    assert [c["id"] for c in page["payload"]] == [new["id"], old["id"]]
    assert page["meta"]["all_count"] == 2
    request = chatwoot.api_requests("conversations")[0]
    assert request.headers["api_access_token"] == "secret-token"
    assert request.path == "/api/v1/accounts/7/conversations"
    assert chatwoot.params(request) == {"status": "all", "page": "1", "sort_by": "last_activity_at_desc"}


def test_chatwoot_itself_lists_only_open_conversations_without_a_status(chatwoot):
    chatwoot.add_conversation(status="resolved")
    opened = chatwoot.add_conversation(status="open")

    page = client_for(chatwoot).conversations(status="open")

    assert [c["id"] for c in page["payload"]] == [opened["id"]]


def test_pages_hold_25_conversations(chatwoot):
    for _ in range(30):
        chatwoot.add_conversation()
    client = client_for(chatwoot)

    assert len(client.conversations(page=1)["payload"]) == 25
    assert len(client.conversations(page=2)["payload"]) == 5


def test_messages_after_a_cursor_come_100_at_a_time_oldest_first(chatwoot):
    conversation = chatwoot.add_conversation()
    sent = [chatwoot.add_message(conversation["id"], f"message {n}") for n in range(130)]
    client = client_for(chatwoot)

    first = client.messages(conversation["id"], after=0)
    rest = client.messages(conversation["id"], after=first[-1]["id"])

    assert [m["id"] for m in first] == [m["id"] for m in sent[:100]]
    assert [m["id"] for m in rest] == [m["id"] for m in sent[100:]]
    assert first[0]["message_type"] == 0 and isinstance(first[0]["created_at"], int)


def test_messages_before_a_cursor_are_the_20_before_it(chatwoot):
    conversation = chatwoot.add_conversation()
    sent = [chatwoot.add_message(conversation["id"], f"message {n}") for n in range(30)]

    before = client_for(chatwoot).messages(conversation["id"], before=sent[25]["id"])

    assert [m["id"] for m in before] == [m["id"] for m in sent[5:25]]


def test_create_message_posts_a_private_note(chatwoot):
    conversation = chatwoot.add_conversation()

    note = client_for(chatwoot).create_message(conversation["id"], "Draft: offer late check-out", private=True)

    assert note["private"] is True and note["message_type"] == 1
    assert chatwoot.api_requests(method="POST")[0].json() == {
        "content": "Draft: offer late check-out",
        "message_type": "outgoing",
        "private": True,
    }


def test_opens_a_conversation_for_a_new_contact_and_resolves_it(chatwoot):
    client = client_for(chatwoot)

    contact = client.create_contact(5, "Opsdesk check")
    conversation = client.create_conversation(5, contact["id"], additional_attributes={"mark": "x"})
    toggled = client.toggle_status(conversation["id"], "resolved")

    stored = chatwoot.conversations[conversation["id"]]
    assert stored["contact"]["name"] == "Opsdesk check" and stored["inbox_id"] == 5
    assert stored["additional_attributes"] == {"mark": "x"} and stored["status"] == "resolved"
    assert toggled["current_status"] == "resolved" and toggled["conversation_id"] == conversation["id"]
    paths = [request.path for request in chatwoot.api_requests(method="POST")]
    assert paths == [
        "/api/v1/accounts/7/contacts",
        "/api/v1/accounts/7/conversations",
        f"/api/v1/accounts/7/conversations/{conversation['id']}/toggle_status",
    ]


def test_a_conversation_for_an_unknown_contact_is_not_found(chatwoot):
    with pytest.raises(ChatwootError) as caught:
        client_for(chatwoot).create_conversation(5, 999)

    assert caught.value.kind == "not_found"
    assert caught.value.endpoint == "POST /api/v1/accounts/7/conversations"


def test_toggling_an_unknown_conversation_is_not_found(chatwoot):
    with pytest.raises(ChatwootError) as caught:
        client_for(chatwoot).toggle_status(999, "resolved")

    assert (caught.value.kind, caught.value.message) == ("not_found", "Resource could not be found")


def test_an_answer_without_the_contact_is_an_invalid_response(chatwoot):
    chatwoot.fail_next(Reply(200, {"payload": {}}))

    with pytest.raises(ChatwootError) as caught:
        client_for(chatwoot).create_contact(5, "Opsdesk check")

    assert caught.value.kind == "invalid_response"


def test_a_wrong_token_is_unauthorized_with_chatwoots_words(chatwoot):
    connection = chatwoot_connection(chatwoot)
    connection.set_secrets(api_token="wrong")

    with pytest.raises(ChatwootError) as caught:
        ChatwootClient(connection).conversations()

    error = caught.value
    assert (error.kind, error.status, error.message) == ("unauthorized", 401, "Invalid Access Token")
    assert error.endpoint.startswith("GET /api/v1/accounts/7/conversations?status=all")
    assert len(chatwoot.api_requests()) == 1


def test_a_wrong_account_is_not_found(chatwoot):
    connection = chatwoot_connection(chatwoot)
    connection.settings["account_id"] = "8"

    with pytest.raises(ChatwootError) as caught:
        ChatwootClient(connection).conversations()

    assert (caught.value.kind, caught.value.status) == ("not_found", 404)
    assert "/accounts/8/" in str(caught.value)


@FAST
def test_429_and_500_are_tried_again_and_retry_after_is_honoured(chatwoot):
    chatwoot.add_conversation()
    waits = []
    chatwoot.fail_next(rate_limited(retry_after=0.005), SERVER_ERROR)

    page = client_for(chatwoot, sleep=waits.append).conversations()

    assert len(page["payload"]) == 1
    assert len(chatwoot.api_requests()) == 3
    assert waits[0] >= 0.005


@FAST
def test_the_last_try_raises_the_rate_limit_with_its_retry_after(chatwoot):
    chatwoot.fail_next(*[rate_limited(retry_after=0.002)] * 3)

    with pytest.raises(ChatwootError) as caught:
        client_for(chatwoot, sleep=lambda s: None).conversations()

    assert (caught.value.kind, caught.value.status, caught.value.retry_after) == ("rate_limited", 429, 0.002)
    assert caught.value.message == "Retry later"


@FAST
def test_a_retry_after_beyond_the_cap_fails_at_once(chatwoot):
    chatwoot.fail_next(rate_limited(retry_after=120))

    with pytest.raises(ChatwootError):
        client_for(chatwoot, sleep=lambda s: None).conversations()

    assert len(chatwoot.api_requests()) == 1


@FAST
def test_a_post_is_not_repeated_after_a_server_error(chatwoot):
    conversation = chatwoot.add_conversation()
    chatwoot.fail_next(SERVER_ERROR)

    with pytest.raises(ChatwootError) as caught:
        client_for(chatwoot, sleep=lambda s: None).create_message(conversation["id"], "hello")

    assert caught.value.kind == "server_error"
    assert len(chatwoot.api_requests(method="POST")) == 1


@FAST
def test_a_server_that_does_not_answer_is_a_timeout(chatwoot):
    chatwoot.fail_next(*[Reply(200, {}, delay=0.5)] * 3)

    with override_settings(CHATWOOT_TIMEOUT_S=0.1), pytest.raises(ChatwootError) as caught:
        client_for(chatwoot, sleep=lambda s: None).conversations()

    assert caught.value.kind == "timeout" and caught.value.status is None


def test_an_unknown_conversation_is_not_found(chatwoot):
    chatwoot.fail_next(NOT_FOUND)

    with pytest.raises(ChatwootError) as caught:
        client_for(chatwoot).messages(999, after=0)

    assert caught.value.message == "Resource could not be found"


@FAST
def test_an_html_error_page_is_reduced_to_its_reason(chatwoot):
    chatwoot.fail_next(*[Reply(502, "<html><body>Bad Gateway</body></html>", {"Content-Type": "text/html"})] * 3)

    with pytest.raises(ChatwootError) as caught:
        client_for(chatwoot, sleep=lambda s: None).conversations()

    assert (caught.value.kind, caught.value.message) == ("server_error", "Bad Gateway")


def test_a_connection_without_a_token_is_not_configured():
    connection = ChatwootConnectionFactory(secrets={})

    with pytest.raises(ChatwootError) as caught:
        ChatwootClient(connection).conversations()

    assert caught.value.kind == "not_configured" and "api_token" in caught.value.message
