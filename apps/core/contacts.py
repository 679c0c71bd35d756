"""Contact ids in one canonical form, whatever script or punctuation they arrive in, so opt-outs,
frequency caps and stop-on-reply match the contact however its number was written.

- WhatsApp (Cloud API and WAHA): the E.164 number without its "+", as Meta writes `wa_id` and
  WAHA writes the part before `@c.us`. `+٣٩ ٣٣٣ ١٢٣ ٤٥٦٧` (Arabic-Indic digits),
  `＋３９３３３１２３４５６７` (full-width), `+39 333 123 4567`, `393331234567@c.us` and
  `393331234567` are all `393331234567`. WAHA group ids (`…@g.us`) and other WAHA ids keep their
  form, with their digits in ASCII.
- Telegram: chat ids are integers (`-100…` for channels), digits in ASCII without leading zeros;
  public channels may be addressed as `@name`, lower-cased (Telegram names ignore case).

`canonical` raises `InvalidContact` with a message for the person who typed it; providers' ids
go through `canonical_or_raw`, which keeps an id it cannot read rather than drop the message."""

import functools
import re
import unicodedata

import phonenumbers

TELEGRAM_CHANNELS = ("telegram",)
WAHA_PERSON_DOMAINS = ("c.us", "s.whatsapp.net")
_PHONE_CHARS = re.compile(r"^\+?[\d\s\-\u2010-\u2015\u2212().]+$")
_TELEGRAM_ID = re.compile(r"^[+-]?\d{1,20}$")
_TELEGRAM_NAME = re.compile(r"^@[A-Za-z][A-Za-z0-9_]{4,31}$")
_DIGIT = re.compile(r"\d")


class InvalidContact(ValueError):
    pass


def canonical(channel, raw) -> str:
    """The contact id `raw` means on `channel`, or InvalidContact."""
    if isinstance(raw, str | int):
        return _remembered(channel, raw)
    return _canonical(channel, raw)


@functools.lru_cache(maxsize=8192, typed=True)
def _remembered(channel, raw) -> str:
    """`_canonical` remembered per (channel, id): a batch of inbound messages reads each sender's id
    several times, and parsing a phone number is the costly part (an id that raises is not kept)."""
    return _canonical(channel, raw)


def _canonical(channel, raw) -> str:
    text = _clean(raw)
    if not text:
        raise InvalidContact("give the contact's phone number or chat id.")
    if channel in TELEGRAM_CHANNELS:
        return telegram_chat(text)
    if channel == "waha":
        return waha_chat(text)
    return phone(text)


def canonical_or_raw(channel, raw) -> str:
    try:
        return canonical(channel, raw)
    except InvalidContact:
        return ascii_digits(_clean(raw))


def forms_of(raw) -> list[str]:
    """Every stored form `raw` takes on some channel, for a filter that does not name the channel."""
    return sorted({canonical_or_raw(channel, raw) for channel in ("whatsapp_cloud", "waha", *TELEGRAM_CHANNELS)})


def phone(raw) -> str:
    """E.164 digits without "+"; the number must be written with its country code."""
    text = _clean(raw)
    if not _PHONE_CHARS.match(text):
        raise InvalidContact(f"{text!r} is not a phone number in international format (e.g. +4915112345678).")
    try:
        number = phonenumbers.parse("+" + text.lstrip("+"), None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        raise InvalidContact(
            f"{text!r} is not a phone number in international format with its country code (e.g. +4915112345678)."
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


def waha_chat(raw) -> str:
    text = _clean(raw)
    user, at, domain = text.partition("@")
    if not at or domain.lower() in WAHA_PERSON_DOMAINS:
        return phone(user)
    if not user:
        raise InvalidContact(f"{text!r} is not a WAHA chat id (e.g. 393331234567@c.us or a group's …@g.us).")
    return f"{ascii_digits(user)}@{domain.lower()}"


def telegram_chat(raw) -> str:
    text = _clean(raw)
    if _TELEGRAM_ID.match(text):
        return str(int(text))
    if _TELEGRAM_NAME.match(text):
        return text.lower()
    raise InvalidContact(f"{text!r} is not a Telegram chat id (a number, or @channelname).")


def search_term(raw) -> str:
    """What a person typed into a contact filter, in the stored form where it looks like a number
    (digits only, so part of a number still matches)."""
    text = _clean(raw)
    if text and _PHONE_CHARS.match(text):
        return re.sub(r"\D", "", ascii_digits(text))
    return ascii_digits(text)


def ascii_digits(text) -> str:
    """Any script's decimal digits (Arabic-Indic, Devanagari, full-width…) as ASCII 0-9."""
    return _DIGIT.sub(lambda match: str(unicodedata.digit(match.group())), text)


def _clean(raw) -> str:
    """NFKC folds full-width forms (＋３９) to ASCII; Arabic-Indic digits stay and `\\d` takes them.
    Invisible format marks (right-to-left marks copied along with Arabic text) are dropped."""
    text = unicodedata.normalize("NFKC", str(raw if raw is not None else ""))
    return "".join(char for char in text if unicodedata.category(char) != "Cf").strip()
