"""The output guardrail: what a model's answer must never carry to a customer.

- secrets: API-key and token shapes, the configured provider keys, the connection secrets given;
- the system prompt, verbatim or substantially (long runs of its words, or much of its phrasing);
- another contact's phone number or e-mail address: one that the tenant's contacts table (asked
  through `lookup`) gives to someone other than the current contact. The contact's own, the
  tenant's own (written in its system prompt or its public texts, e-mails at its allowed domains)
  and numbers nobody in the table holds (a restaurant down the street, a booking reference) pass;
- links to hosts outside the tenant's allowed domains and their subdomains; a tenant that set none
  may link to its own domains (those of the links and e-mail addresses in its system prompt and
  public texts, webmail providers excepted).

Pure over its arguments except for reading the provider keys from settings and calling `lookup`."""

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

import phonenumbers
from django.conf import settings

from apps.core import contacts

from .normalise import normalise
from .verdict import Verdict, block

PROVIDER_KEY_SETTINGS = ("OPENROUTER_API_KEY", "OPENAI_API_KEY")
SHINGLE_WORDS = 4
LEAK_SHARE = 0.3
LEAK_RUN_WORDS = 25
MIN_SECRET_CHARS = 8

SECRET_SHAPES = {
    "OpenAI/OpenRouter key": r"\bsk-(?:or-v1-|proj-|ant-)?[A-Za-z0-9_-]{20,}",
    "AWS access key": r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",
    "GitHub token": r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})",
    "Slack token": r"\bxox[abposr]-[A-Za-z0-9-]{10,}",
    "Google API key": r"\bAIza[0-9A-Za-z_-]{35}\b",
    "Stripe key": r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}",
    "Telegram bot token": r"\b\d{8,10}:AA[A-Za-z0-9_-]{33}\b",
    "JSON web token": r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
    "private key": r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----",
    "bearer token": r"\b[Bb]earer\s+[A-Za-z0-9._~+/-]{24,}",
    "Meta access token": r"\bEAA[A-Za-z0-9]{60,}",
    "connection string password": r"\b[a-z][a-z0-9+.-]*://[^\s:/@]+:[^\s@/]{3,}@",
}
_SECRET_SHAPES = [(name, re.compile(pattern)) for name, pattern in SECRET_SHAPES.items()]
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_URL = re.compile(
    r"(?:\b[a-z][a-z0-9+.-]*://|\bwww\.)[^\s<>\"')\]]+"
    r"|\b(?:[a-z0-9-]+\.)+[a-z]{2,}(?=/)[^\s<>\"')\]]*",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")
_DIGIT_RUN = re.compile(r"\d(?:[\s().\-\u2010-\u2015]{0,2}\d){5,}")
WEBMAIL_DOMAINS = frozenset(
    ("gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "yahoo.com", "icloud.com", "me.com")
    + ("aol.com", "gmx.de", "gmx.net", "web.de", "proton.me", "protonmail.com", "libero.it", "uol.com.br")
)


@dataclass(frozen=True)
class ContactDetails:
    """One stored contact's details as a lookup returns them: the phone's digits as stored (E.164 or
    a national form), the e-mail address case-folded."""

    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class Shapes:
    """The phone numbers (E.164 digits) and e-mail addresses (case-folded) of an answer that are
    neither the contact's nor the tenant's own: what the lookup asks the contacts table about."""

    phones: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()

    def __bool__(self):
        return bool(self.phones or self.emails)

    @cached_property
    def phone_forms(self) -> dict[str, str]:
        """{every digit form a stored number may take: its E.164 number}."""
        return {form: number for number in self.phones for form in phone_forms(number)}


@dataclass(frozen=True)
class Known:
    """What an answer is checked against."""

    system_prompt: str = ""
    allowed_domains: tuple[str, ...] = ()
    contact_id: str = ""
    secrets: tuple[str, ...] = ()
    public_details: tuple[str, ...] = ()  # the tenant's own texts: fallback text, safe reply, e-mail

    @cached_property
    def own_text(self) -> str:
        return "\n".join((self.system_prompt, *self.public_details))

    @cached_property
    def link_domains(self) -> tuple[str, ...]:
        return self.allowed_domains or own_domains(self.own_text)

    @cached_property
    def contact_phone(self) -> str:
        return _canonical_phone(self.contact_id)

    @cached_property
    def contact_email(self) -> str:
        return self.contact_id.strip().casefold() if "@" in self.contact_id else ""

    @cached_property
    def region(self) -> str | None:
        """Where national numbers are read: the contact's country, else the tenant's (its first
        international number)."""
        numbers = [self.contact_phone] if self.contact_phone else sorted(phones_in(self.own_text))[:1]
        return _region_of(numbers[0]) if numbers else None

    @cached_property
    def own_phones(self) -> frozenset[str]:
        return frozenset(phones_in(self.own_text, self.region) | {self.contact_phone}) - {""}

    @cached_property
    def own_emails(self) -> frozenset[str]:
        return frozenset({address.casefold() for address in _EMAIL.findall(self.own_text)} | {self.contact_email})

    def owns_email(self, address: str) -> bool:
        return address in self.own_emails or host_allowed(address.rpartition("@")[2], self.allowed_domains)

    def is_contact(self, details: ContactDetails) -> bool:
        """Whether a stored contact's details are the current contact's."""
        by_phone = bool(details.phone) and details.phone in phone_forms(self.contact_phone)
        return by_phone or bool(details.email) and details.email == self.contact_email


def check_output(
    text: str,
    *,
    system_prompt: str = "",
    allowed_domains: Sequence[str] = (),
    contact_id: str = "",
    secrets: Iterable[str] = (),
    public_details: Iterable[str] = (),
    lookup: Callable[[Shapes], Iterable[ContactDetails]] | None = None,
) -> Verdict:
    """`lookup` is asked once, and only when the answer holds a phone number or an e-mail address
    that is neither the contact's nor the tenant's own, which of the tenant's contacts hold them."""
    known = Known(system_prompt, tuple(allowed_domains), contact_id, tuple(secrets), tuple(public_details))
    verdict = check_known(text, known)
    if verdict.blocked:
        return verdict
    shapes = contact_shapes(text, known)
    if not shapes or lookup is None:
        return Verdict.PASS
    return other_contact_in(shapes, known, lookup(shapes))


def check_known(text: str, known: Known) -> Verdict:
    for check in (
        lambda: secret_in(text, known.secrets),
        lambda: system_prompt_in(text, known.system_prompt),
        lambda: foreign_link_in(text, known.link_domains if _URL.search(text) else ()),
    ):
        verdict = check()
        if verdict.blocked:
            return verdict
    return Verdict.PASS


def secret_in(text: str, secrets: Iterable[str] = ()) -> Verdict:
    for name, pattern in _SECRET_SHAPES:
        if pattern.search(text):
            return block("secret", f"the answer holds something shaped like a {name}")
    for value in _known_secrets(secrets):
        if value in text:
            return block("secret", "the answer holds a configured secret")
    return Verdict.PASS


def _known_secrets(secrets: Iterable[str]) -> list[str]:
    configured = [getattr(settings, name, "") for name in PROVIDER_KEY_SETTINGS]
    return [value for value in (*configured, *secrets) if value and len(str(value)) >= MIN_SECRET_CHARS]


def system_prompt_in(text: str, system_prompt: str) -> Verdict:
    """Blocked when a long run of the prompt's words, or a large share of its phrasing (its 4-word
    sequences), is in the answer. One sentence of it is not a leak: prompts hold the facts the
    assistant is meant to give (opening hours, the reception's number). Linear in both lengths."""
    prompt_words = _words(system_prompt)
    if len(prompt_words) < 4:
        return Verdict.PASS
    answer_words = _words(text)
    run = min(LEAK_RUN_WORDS, len(prompt_words))
    if shingles(prompt_words, run) & shingles(answer_words, run):
        return block("system_prompt_leak", f"the answer repeats {run} or more words in a row of the system prompt")
    share = shared_shingle_share(prompt_words, answer_words)
    if len(prompt_words) >= SHINGLE_WORDS * 3 and share >= LEAK_SHARE:
        return block("system_prompt_leak", f"the answer shares {share:.0%} of the system prompt's phrasing")
    return Verdict.PASS


def _words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def shared_shingle_share(prompt_words: list[str], answer_words: list[str]) -> float:
    prompt_shingles = shingles(prompt_words, SHINGLE_WORDS)
    if not prompt_shingles:
        return 0.0
    return len(prompt_shingles & shingles(answer_words, SHINGLE_WORDS)) / len(prompt_shingles)


def shingles(words: list[str], size: int) -> set[tuple[str, ...]]:
    """Every run of `size` consecutive words."""
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def contact_shapes(text: str, known: Known) -> Shapes:
    """Cheap when the answer has no run of six digits and no "@" (most answers)."""
    phones = phones_in(text, known.region) if _DIGIT_RUN.search(text) else set()
    emails = {address.casefold() for address in _EMAIL.findall(text)} if "@" in text else set()
    if not phones and not emails:
        return Shapes()
    foreign_emails = {address for address in emails if not known.owns_email(address)}
    return Shapes(frozenset(phones - known.own_phones), frozenset(foreign_emails))


def other_contact_in(shapes: Shapes, known: Known, stored: Iterable[ContactDetails]) -> Verdict:
    """Blocked when another contact holds one of the answer's numbers or addresses. A number the
    current contact's own records also hold (their reservation, their ticket) is theirs."""
    stored = list(stored)
    mine = [details for details in stored if known.is_contact(details)]
    theirs = _values(shapes, mine) | {known.contact_phone, known.contact_email}
    for details in stored:
        number = shapes.phone_forms.get(details.phone, "")
        if number and number not in theirs:
            return block("foreign_phone", f"the answer gives the phone number +{number} of another contact")
        if details.email in shapes.emails and details.email not in theirs:
            return block("foreign_email", f"the answer gives the e-mail address {details.email} of another contact")
    return Verdict.PASS


def _values(shapes: Shapes, stored: list[ContactDetails]) -> set[str]:
    numbers = {shapes.phone_forms.get(details.phone, "") for details in stored}
    return (numbers | {details.email for details in stored}) - {""}


def phone_forms(number: str) -> frozenset[str]:
    """The digit forms an E.164 number may be stored in: itself, its national number, and that
    with the trunk "0" most countries dial it with."""
    if not number:
        return frozenset()
    national = phonenumbers.national_significant_number(phonenumbers.parse("+" + number))
    return frozenset((number, national, "0" + national.lstrip("0")))


def phones_in(text: str, region: str | None = None) -> set[str]:
    """Canonical (E.164 without "+") numbers written in `text`; national forms only with a region."""
    if not text:
        return set()
    matcher = phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE)
    return {_digits(match.number) for match in matcher}


def _digits(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


def _canonical_phone(raw: str) -> str:
    try:
        return contacts.phone(raw.partition("@")[0])
    except contacts.InvalidContact:
        return ""


def _region_of(contact_id: str) -> str | None:
    number = _canonical_phone(contact_id)
    if not number:
        return None
    return phonenumbers.region_code_for_number(phonenumbers.parse("+" + number)) or None


def foreign_link_in(text: str, allowed_domains: Sequence[str] = ()) -> Verdict:
    for link in _URL.findall(text):
        host = host_of(link)
        if host and not host_allowed(host, allowed_domains):
            return block("link_domain", f"the answer links to {host}, outside the allowed domains")
    return Verdict.PASS


def own_domains(text: str) -> tuple[str, ...]:
    """The domains of the links and (webmail aside) e-mail addresses in the tenant's own texts."""
    hosts = {host_of(link) for link in _URL.findall(text)}
    hosts |= {address.rpartition("@")[2].casefold() for address in _EMAIL.findall(text)} - WEBMAIL_DOMAINS
    return tuple(sorted({host.removeprefix("www.") for host in hosts} - {""}))


def host_of(link: str) -> str:
    rest = link.split("://", 1)[-1]
    authority = re.split(r"[/?#\\]", rest, maxsplit=1)[0]
    host = authority.rpartition("@")[2].split(":", 1)[0]
    return host.strip(".").casefold()


def host_allowed(host: str, allowed_domains: Sequence[str]) -> bool:
    host = host.casefold().strip(".")
    for domain in allowed_domains:
        domain = domain.casefold().strip().strip(".")
        if domain and (host == domain or host.endswith("." + domain)):
            return True
    return False
