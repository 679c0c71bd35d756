"""What a new message must look like before it is written: a known channel and kind, a contact
the channel can address, a body or a template (templates on WhatsApp Cloud only) and a
connection of the tenant for that channel. Each refusal names the field."""
import re

from apps.core.errors import ServiceError
from apps.integrations.models import Connection
from apps.outbound.models import PROVIDER_OF, Channel, Kind

MAX_BODY = 4096
_PHONE_CHARS = re.compile(r"^\+?[\d\s\-().]+$")
_TELEGRAM = re.compile(r"^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31})$")
_TEMPLATE_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
_WAHA_DOMAINS = ("c.us", "s.whatsapp.net")


def channel(value) -> str:
    if value not in Channel.values:
        raise ServiceError(f"channel: {value!r} is not a channel; use one of {', '.join(Channel.values)}.", "invalid_channel")
    return value


def kind(value) -> str:
    if value not in Kind.values:
        raise ServiceError(f"kind: {value!r} is not a kind; use one of {', '.join(Kind.values)}.", "invalid_kind")
    return value


def contact(channel_name, raw) -> str:
    raw = str(raw if raw is not None else "").strip()
    if not raw:
        raise ServiceError("to: give the contact's phone number or chat id.", "invalid_to")
    if channel_name == Channel.TELEGRAM:
        if not _TELEGRAM.match(raw):
            raise ServiceError(f"to: {raw!r} is not a Telegram chat id (a number, or @channelname).", "invalid_to")
        return raw
    if channel_name == Channel.WAHA and raw.endswith("@g.us"):
        return raw
    return _phone(raw.split("@", 1)[0] if raw.split("@", 1)[-1] in _WAHA_DOMAINS else raw)


def _phone(raw) -> str:
    digits = re.sub(r"\D", "", raw)
    if not _PHONE_CHARS.match(raw) or not 7 <= len(digits) <= 15:
        raise ServiceError(f"to: {raw!r} is not a phone number in international format (e.g. +4915112345678).", "invalid_to")
    return digits


def contact_or_raw(channel_name, raw) -> str:
    """For ids a provider sent us: normalised when valid, else kept as the provider wrote it."""
    try:
        return contact(channel_name, raw)
    except ServiceError:
        return str(raw).strip()


def content(channel_name, body, template) -> tuple[str, dict | None]:
    body = (body or "").strip()
    if body and template:
        raise ServiceError("body, template: give the text (body) or a template, not both.", "body_or_template")
    if template:
        return "", _template(channel_name, template)
    if not body:
        raise ServiceError("body: give the message text (or a template on WhatsApp Cloud).", "body_required")
    if len(body) > MAX_BODY:
        raise ServiceError(f"body: {len(body)} characters; the most a message takes is {MAX_BODY}.", "body_too_long")
    return body, None


def _template(channel_name, template) -> dict:
    if channel_name != Channel.WHATSAPP_CLOUD:
        raise ServiceError(f"template: templates are a WhatsApp Cloud API feature; send body on {channel_name}.",
                           "template_not_supported")
    name = str(template.get("name", "")).strip() if isinstance(template, dict) else ""
    if not _TEMPLATE_NAME.match(name):
        raise ServiceError('template: give its approved name in lower case, e.g. {"name": "order_update", '
                           '"language": "en_US", "parameters": ["1042"]}.', "invalid_template")
    parameters = template.get("parameters") or []
    if not isinstance(parameters, list) or any(isinstance(p, (dict, list)) for p in parameters):
        raise ServiceError("template.parameters: give a list of texts, one per {{n}} placeholder.", "invalid_template")
    language = str(template.get("language") or "en_US").strip()
    return {"name": name, "language": language, "parameters": [str(p) for p in parameters]}


def connection(tenant, channel_name, chosen=None) -> Connection:
    provider = PROVIDER_OF[channel_name]
    if chosen is not None:
        if chosen.tenant_id != tenant.pk or chosen.provider != provider:
            raise ServiceError(f"connection: {chosen} is not a {provider} connection of {tenant.name}.", "invalid_connection")
        return chosen
    found = Connection.objects.for_tenant(tenant).filter(provider=provider, is_active=True).order_by("created_at").first()
    if found is None:
        raise ServiceError(f"channel: {tenant.name} has no active {Channel(channel_name).label} connection to send "
                           "through.", "no_connection")
    return found
