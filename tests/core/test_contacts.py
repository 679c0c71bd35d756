"""One canonical contact id however the number is written: Arabic-Indic or full-width digits,
spaces, dashes, a WAHA chat id, right-to-left marks copied along with Arabic text."""

import pytest

from apps.core import contacts

CANONICAL = "393331234567"


@pytest.mark.parametrize(
    "channel, raw",
    [
        ("whatsapp_cloud", "+393331234567"),
        ("whatsapp_cloud", "+٣٩٣٣٣١٢٣٤٥٦٧"),
        ("whatsapp_cloud", "＋３９３３３１２３４５６７"),
        ("whatsapp_cloud", "+39 333–123–4567"),
        ("whatsapp_cloud", "393331234567"),
        ("waha", "393331234567@c.us"),
        ("waha", "٣٩٣٣٣١٢٣٤٥٦٧@c.us"),
        ("waha", "393331234567@s.whatsapp.net"),
        ("waha", "\u200f+٣٩ ٣٣٣ ١٢٣ ٤٥٦٧"),
    ],
)
def test_every_script_and_form_of_a_number_is_one_contact(channel, raw):
    assert contacts.canonical(channel, raw) == CANONICAL


@pytest.mark.parametrize(
    "channel, raw, expected",
    [
        ("telegram", "-١٠٠١٢٣٤٥", "-10012345"),
        ("telegram", "００４２", "42"),
        ("telegram", "@Opsdesk_News", "@opsdesk_news"),
        ("waha", "120363040000000001@G.US", "120363040000000001@g.us"),
    ],
)
def test_chat_ids_keep_their_kind_with_ascii_digits(channel, raw, expected):
    assert contacts.canonical(channel, raw) == expected


@pytest.mark.parametrize(
    "channel, raw",
    [
        ("whatsapp_cloud", "call me"),
        ("whatsapp_cloud", "+12"),
        ("whatsapp_cloud", "+1 800 FLOWERS"),
        ("whatsapp_cloud", ""),
        ("telegram", "not a chat"),
        ("waha", "@g.us"),
    ],
)
def test_what_is_not_a_contact_is_refused_with_a_reason(channel, raw):
    with pytest.raises(contacts.InvalidContact) as caught:
        contacts.canonical(channel, raw)
    assert str(caught.value)


def test_a_provider_id_that_cannot_be_read_is_kept_with_ascii_digits():
    assert contacts.canonical_or_raw("waha", "٤٢@lid") == "42@lid"
    assert contacts.canonical_or_raw("whatsapp_cloud", "status") == "status"


def test_filters_find_the_stored_form():
    assert CANONICAL in contacts.forms_of("+٣٩ ٣٣٣ ١٢٣ ٤٥٦٧")
    assert contacts.search_term("+٣٩ ٣٣٣") == "39333" and contacts.search_term("Ada") == "Ada"
