"""The registry of commands and buttons, and what the bot says to what it does not know."""

import pytest

from apps.platform_bot import callbacks

pytestmark = pytest.mark.django_db
DANA = 5550001


def test_callback_data_is_prefix_action_id_within_64_bytes():
    assert callbacks.callback_data("incident", "ack", 42) == "incident:ack:42"
    with pytest.raises(ValueError, match="64 bytes"):
        callbacks.callback_data("signup", "approve", "x" * 60)


def test_a_callback_query_splits_its_data():
    query = callbacks.CallbackQuery("1", "signup:approve:5f3c:extra", DANA, DANA, 7, "text", None)

    assert (query.prefix, query.action, query.target) == ("signup", "approve", "5f3c:extra")
    assert callbacks.CallbackQuery("1", "odd", DANA, DANA, 7, "", None).action == ""


def test_the_registry_finds_handlers_by_prefix_and_command():
    assert callbacks.find_callback("incident") is not None
    assert callbacks.find_command("/BIND") is callbacks.find_command("bind") is not None


def test_an_unknown_button_is_answered_and_changes_nothing(bot_api, telegram):
    message = bot_api.bot_message(DANA, "old", [("x", "gone:x:1")])

    telegram(bot_api.press_update(bot_api.user(DANA), message, "gone:x:1"))

    assert bot_api.answers[-1]["text"] == "This button is no longer in use."


def test_an_unknown_command_and_plain_text_get_the_help(bot_api, telegram):
    telegram(bot_api.text_update(bot_api.user(DANA), "/frobnicate"))
    assert bot_api.last_message(DANA)["text"].startswith("I do not know /frobnicate.")

    telegram(bot_api.text_update(bot_api.user(DANA), "hello"))
    assert "/bind <code>" in bot_api.last_message(DANA)["text"]


def test_a_command_addressed_to_the_bot_by_name_works(bot_api, telegram):
    telegram(bot_api.text_update(bot_api.user(DANA), "/whoami@opsdesk_platform_bot"))

    assert "not bound" in bot_api.last_message(DANA)["text"]
