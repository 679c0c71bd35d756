"""Macro placeholders are plain names: a format spec or conversion is refused when the macro is
saved, and rendering never formats, so a macro stored before the check cannot pad a reply to
megabytes either."""

import pytest
from django.core.exceptions import ValidationError

from apps.tickets import macros, services
from apps.tickets.models import Macro
from tests.tickets.factories import make_macro, make_ticket

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "body, written",
    [
        ("Ticket {ticket_id:>2000000}", "{ticket_id:>2000000}"),
        ("Re: {subject!r}", "{subject!r}"),
        ("{agent_name!s:^{ticket_id}}", "{agent_name!s:^{ticket_id}}"),
    ],
)
def test_format_specs_and_conversions_are_refused_on_save(body, written):
    with pytest.raises(ValidationError) as caught:
        Macro(name="padded", body=body).full_clean()
    message = " ".join(caught.value.message_dict["body"])
    assert "take no format or conversion" in message and written in message


def test_admin_add_form_refuses_a_format_width(admin_client):
    response = admin_client.post(
        "/admin/tickets/macro/add/",
        {
            "name": "Padded",
            "body": "Ticket {ticket_id:>2000000}",
            "visibility": "public",
            "set_status": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 200 and "take no format or conversion" in response.content.decode()
    assert not Macro.objects.exists()


def test_plain_placeholders_and_escaped_braces_are_fine():
    Macro(name="ok", body="Hi {requester_name}, ticket {ticket_id} {{not a placeholder}}").full_clean()
    assert macros.problems("Hi {requester_name}") == []


def test_a_stored_macro_with_a_format_width_renders_without_padding(tenant, staff):
    ticket = make_ticket(tenant)
    macro = make_macro(name="Stored before the check", body="Ticket {ticket_id:>2000000} {subject!r} {unknown} {{x}}")
    message = services.apply_macro(ticket, macro, actor=staff)
    assert message.body == f"Ticket {ticket.pk} {ticket.subject} {{unknown}} {{x}}"
