"""How a `message_created` payload reads for drafts, and the note commands."""

from apps.drafts import messages


def payload(message_type="incoming", private=False, sender_type="contact", content="Hello", **extra):
    return {
        "id": 41,
        "content": content,
        "message_type": message_type,
        "private": private,
        "sender": {"id": 3, "name": "Grace", "type": sender_type},
        "conversation": {"id": 9, "inbox_id": 2},
        **extra,
    }


def test_a_customer_message_asks_for_a_draft():
    seen = messages.read(payload())
    assert (seen.kind, seen.conversation_id, seen.inbox_id, seen.message_id) == ("customer", 9, 2, 41)


def test_an_agents_public_reply_is_an_agent_reply_and_a_bots_is_nothing():
    assert messages.read(payload("outgoing", sender_type="user")).kind == "agent_reply"
    assert messages.read(payload("outgoing", sender_type="agent_bot")).kind == "other"


def test_an_agents_private_note_is_a_command_only_when_it_starts_with_one():
    assert messages.read(payload("outgoing", True, "user", "/approve")).kind == "approve"
    assert messages.read(payload("outgoing", True, "user", "/reject wrong hotel")).argument == "wrong hotel"
    assert messages.read(payload("outgoing", True, "user", "Looks good, /approve")).kind == "other"
    assert messages.read(payload("incoming", True, "contact", "/approve")).kind == "other"


def test_approve_takes_the_edited_text_from_the_same_line_or_the_lines_below():
    assert messages.command("/approve") == ("approve", "")
    assert messages.command("/Approve\nThe garage is 15 EUR.\nSee you!") == (
        "approve",
        "The garage is 15 EUR.\nSee you!",
    )
    assert messages.command("/approve The garage is 15 EUR.") == ("approve", "The garage is 15 EUR.")


def test_a_payload_without_a_conversation_means_nothing():
    assert messages.read({"id": 1, "content": "hi"}).kind == "other"
