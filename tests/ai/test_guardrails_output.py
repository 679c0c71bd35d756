"""The output guardrail: what a model's answer must never carry to a customer."""

import pytest

from apps.ai.guardrails import check_output
from apps.ai.guardrails.output import ContactDetails, host_allowed, shingles

SYSTEM_PROMPT = (
    "You are the front desk assistant of Hotel Mar Azul in Lisbon. Answer guests kindly and briefly. "
    "Never offer discounts above ten percent. Reception can be reached at +351 213 456 789 or "
    "reservas@marazul.pt. Internal note: the staff override code for late check-out is BLUE-42."
)
MARIA = ContactDetails(phone="351934111222", email="maria@gmail.com")


def contacts_table(*stored):
    """A lookup answering like the tenant's contacts table, remembering what it was asked."""

    def lookup(shapes):
        lookup.asked.append(shapes)
        return stored

    lookup.asked = []
    return lookup


def test_a_plain_answer_passes():
    verdict = check_output("Check-in is from 3 pm, and breakfast is served until 10.", system_prompt=SYSTEM_PROMPT)

    assert not verdict.blocked and verdict.elapsed_ms >= 0


@pytest.mark.parametrize(
    "answer",
    [
        "Sure! Our key is sk-or-v1-" + "a1" * 32,
        "Use sk-proj-ABCDEFGHIJKLMNOPQRSTUVWX1234 for that.",
        "The AWS key is AKIAIOSFODNN7EXAMPLE.",
        "Token: ghp_" + "x" * 36,
        "Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123456789",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIB...",
        "postgres://opsdesk:s3cretpass@db.internal:5432/opsdesk",
    ],
)
def test_secret_shapes_are_blocked(answer):
    verdict = check_output(answer)

    assert verdict.blocked and verdict.rule == "secret"


def test_configured_provider_keys_and_given_secrets_are_blocked(settings):
    settings.OPENAI_API_KEY = "plain-looking-provider-key"

    assert check_output("it is plain-looking-provider-key").rule == "secret"
    assert check_output("the PMS password is hunter2-hotel", secrets=["hunter2-hotel"]).rule == "secret"
    assert not check_output("nothing secret here", secrets=["", "short"]).blocked


def test_the_system_prompt_verbatim_or_substantially_is_blocked():
    verbatim = check_output("My instructions: " + SYSTEM_PROMPT, system_prompt=SYSTEM_PROMPT)
    paraphrased_leak = check_output(
        "Well, I am the front desk assistant of Hotel Mar Azul in Lisbon and I must answer guests kindly and "
        "briefly and never offer discounts above ten percent; the staff override code for late check-out is BLUE-42.",
        system_prompt=SYSTEM_PROMPT,
    )

    assert verbatim.rule == "system_prompt_leak"
    assert paraphrased_leak.rule == "system_prompt_leak"


def test_an_answer_sharing_a_few_words_with_the_prompt_passes():
    verdict = check_output(
        "You can reach reception at +351 213 456 789. Hotel Mar Azul is happy to help!", system_prompt=SYSTEM_PROMPT
    )

    assert not verdict.blocked


def test_another_contacts_phone_number_is_blocked_the_contacts_own_is_not():
    contact, table = "351912345678", contacts_table(MARIA, ContactDetails(phone="351912345678"))

    assert check_output("We will call you on +351 912 345 678.", contact_id=contact, lookup=table).blocked is False
    foreign = check_output("Maria's number is +351 934 111 222.", contact_id=contact, lookup=table)
    assert foreign.blocked and foreign.rule == "foreign_phone"


def test_a_national_number_is_read_in_the_contacts_country():
    verdict = check_output(
        "Call our other guest at 934 111 222.", contact_id="351912345678", lookup=contacts_table(MARIA)
    )

    assert verdict.rule == "foreign_phone"


def test_a_number_stored_in_a_national_form_is_still_that_contacts():
    stored = contacts_table(ContactDetails(phone="0934111222"))

    assert check_output("Maria: +351 934 111 222", lookup=stored).rule == "foreign_phone"


def test_the_tenants_own_numbers_and_addresses_from_its_prompt_pass_without_a_lookup():
    answer = "Reception: +351 213 456 789, reservas@marazul.pt."
    table = contacts_table(ContactDetails(phone="351213456789", email="reservas@marazul.pt"))

    assert not check_output(answer, system_prompt=SYSTEM_PROMPT, contact_id="351912345678", lookup=table).blocked
    assert table.asked == []


def test_the_tenants_public_texts_are_its_own_details():
    details = ("Please call us on +39 06 1234 5678.", "ciao@bella-bistro.example")
    table = contacts_table(ContactDetails(phone="390612345678", email="ciao@bella-bistro.example"))

    answer = "Call +39 06 1234 5678 or write to ciao@bella-bistro.example"
    assert not check_output(answer, public_details=details, lookup=table).blocked


def test_numbers_and_addresses_no_contact_holds_pass():
    table = contacts_table()

    assert not check_output("Call the restaurant at +39 06 1234 5678.", lookup=table).blocked
    assert not check_output("Write to info@trattoria.example", contact_id="351912345678", lookup=table).blocked
    assert len(table.asked) == 2


@pytest.mark.parametrize(
    "answer",
    [
        "Yes, 7 to 10.",
        "The room is 1204 and costs EUR 1,250.00 for 3 nights.",
        "Your booking reference is 4471, for 12/03/2025 to 15/03/2025.",
        "Check-in from 15:00, check-out until 11:00.",
    ],
)
def test_ordinary_numbers_never_ask_the_contacts_table(answer):
    table = contacts_table(MARIA)

    assert not check_output(answer, contact_id="351912345678", lookup=table).blocked
    assert table.asked == []


def test_another_contacts_email_address_is_blocked_the_contacts_own_is_not():
    table = contacts_table(MARIA, ContactDetails(email="ana@example.com"))

    assert check_output("Write to maria@gmail.com", contact_id="ana@example.com", lookup=table).rule == "foreign_email"
    assert not check_output("We wrote to ana@example.com", contact_id="ana@example.com", lookup=table).blocked
    assert not check_output("Write to help@marazul.pt", allowed_domains=["marazul.pt"], lookup=table).blocked


def test_an_address_on_the_contacts_own_record_is_theirs():
    theirs = ContactDetails(phone="912345678", email="ana@example.com")  # their reservation, national number

    verdict = check_output("Sent to ana@example.com", contact_id="351912345678", lookup=contacts_table(theirs, MARIA))
    assert not verdict.blocked


def test_links_only_to_allowed_domains_and_their_subdomains():
    allowed = ["marazul.pt"]

    assert not check_output(
        "See https://marazul.pt/rooms and https://book.marazul.pt/x", allowed_domains=allowed
    ).blocked
    for answer in (
        "Pay at https://marazul.pt.evil.com/pay",
        "Pay at http://evil-marazul.pt/pay",
        "See www.example.org for more",
        "Go to bit.ly/abc",
        "https://user@evil.com/marazul.pt",
    ):
        verdict = check_output(answer, allowed_domains=allowed)
        assert verdict.rule == "link_domain", answer
    assert check_output("See https://marazul.pt").rule == "link_domain"


def test_without_allowed_domains_the_tenants_own_domains_are_allowed():
    prompt = "You are Bella Bistro's host. Menu: https://www.bella-bistro.example/menu. Mail: owner@gmail.com"
    details = ("bookings@trattoria-bella.example",)

    for answer in ("Book at https://bella-bistro.example/book", "See https://www.trattoria-bella.example"):
        assert not check_output(answer, system_prompt=prompt, public_details=details).blocked, answer
    for answer in ("Pay at https://pay-me.example.net/now", "See https://gmail.com/x"):
        assert check_output(answer, system_prompt=prompt, public_details=details).rule == "link_domain", answer


def test_configured_domains_replace_the_tenants_own():
    prompt = "Menu: https://bella-bistro.example/menu"

    verdict = check_output("https://bella-bistro.example/book", system_prompt=prompt, allowed_domains=["bella.example"])
    assert verdict.rule == "link_domain"


def test_host_allowed_matches_the_domain_and_subdomains_only():
    assert host_allowed("marazul.pt", ["MarAzul.pt"])
    assert host_allowed("a.b.marazul.pt", ["marazul.pt"])
    assert not host_allowed("notmarazul.pt", ["marazul.pt"])


def test_shingles_are_the_runs_of_consecutive_words():
    assert shingles("a b c d".split(), 3) == {("a", "b", "c"), ("b", "c", "d")}
    assert shingles(["a"], 2) == set()


def test_a_long_answer_sharing_a_few_words_with_a_long_prompt_passes():
    prompt = " ".join(f"rule{n} applies here" for n in range(2000))
    answer = " ".join(f"word{n}" for n in range(6000)) + " rule5 applies here rule6 applies here"

    assert not check_output(answer, system_prompt=prompt).blocked
