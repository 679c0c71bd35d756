"""The output guardrail: what a model's answer must never carry to a customer.

- secrets: API-key and token shapes, the configured provider keys, the connection secrets given;
- the system prompt, verbatim or substantially (long runs of its words, or much of its phrasing);
- phone numbers and e-mail addresses other than the current contact's (those the tenant wrote in
  its own system prompt are the tenant's and may be given out; so are e-mails at allowed domains);
- links to hosts outside the tenant's allowed domains and their subdomains.

Pure over its arguments except for reading the provider keys from settings."""

import re
from collections.abc import Iterable, Sequence

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


def check_output(
    text: str,
    *,
    system_prompt: str = "",
    allowed_domains: Sequence[str] = (),
    contact_id: str = "",
    secrets: Iterable[str] = (),
) -> Verdict:
    for check in (
        lambda: secret_in(text, secrets),
        lambda: system_prompt_in(text, system_prompt),
        lambda: foreign_phone_in(text, contact_id, system_prompt),
        lambda: foreign_link_in(text, allowed_domains),
        lambda: foreign_email_in(text, contact_id, system_prompt, allowed_domains),
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


def foreign_phone_in(text: str, contact_id: str = "", system_prompt: str = "") -> Verdict:
    allowed = phones_in(system_prompt) | {_canonical_phone(contact_id)}
    for number in phones_in(text, region=_region_of(contact_id)):
        if number not in allowed:
            return block("foreign_phone", f"the answer gives the phone number +{number}, not the contact's")
    return Verdict.PASS


def phones_in(text: str, region: str | None = None) -> set[str]:
    """Canonical (E.164 without "+") numbers written in `text`; national forms only with a region."""
    if not text:
        return set()
    matcher = phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE)
    return {_canonical_phone(match.raw_string) for match in matcher} - {""}


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


def foreign_email_in(
    text: str, contact_id: str = "", system_prompt: str = "", allowed_domains: Sequence[str] = ()
) -> Verdict:
    allowed = {address.casefold() for address in _EMAIL.findall(system_prompt)} | {contact_id.strip().casefold()}
    for address in _EMAIL.findall(text):
        folded = address.casefold()
        if folded not in allowed and not host_allowed(folded.rpartition("@")[2], allowed_domains):
            return block("foreign_email", f"the answer gives the e-mail address {address}, not the contact's")
    return Verdict.PASS


def foreign_link_in(text: str, allowed_domains: Sequence[str] = ()) -> Verdict:
    for link in _URL.findall(text):
        host = host_of(link)
        if host and not host_allowed(host, allowed_domains):
            return block("link_domain", f"the answer links to {host}, outside the allowed domains")
    return Verdict.PASS


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
