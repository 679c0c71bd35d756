"""What a new message must look like before it is written: a known channel and kind, a contact
the channel can address, a body or a template (templates on WhatsApp Cloud only) and a
connection of the tenant for that channel. Each refusal names the field."""

import re

from apps.core import contacts
from apps.core.errors import ServiceError
from apps.integrations.models import Connection
from apps.outbound.models import PROVIDER_OF, Channel, ContactChannelPolicy, Kind

MAX_BODY = 4096  # characters of text per message on WhatsApp Cloud, WAHA and Telegram alike
_TEMPLATE_NAME = re.compile(r"^[a-z0-9_]{1,512}$")


def channel(value) -> str:
    if value not in Channel.values:
        raise ServiceError(
            f"channel: {value!r} is not a channel; use one of {', '.join(Channel.values)}.", "invalid_channel"
        )
    return value


def kind(value) -> str:
    if value not in Kind.values:
        raise ServiceError(f"kind: {value!r} is not a kind; use one of {', '.join(Kind.values)}.", "invalid_kind")
    return value


def contact(tenant, channel_name, raw) -> str:
    """The canonical contact id (apps.core.contacts) or a refusal naming `to`. An id a provider gave
    us that `canonical` cannot read (Meta's `wa_id` of a Mexican mobile keeps the "1" after 52,
    5215512345678) is kept as inbound stored it, but only for a contact who wrote to the tenant
    from it on this channel: a reply goes to the id the provider gave (Meta: reply to `wa_id`)."""
    try:
        return contacts.canonical(channel_name, raw)
    except contacts.InvalidContact as exc:
        stored = contact_or_raw(channel_name, raw)
        if wrote_in(tenant, channel_name, stored):
            return stored
        raise ServiceError(f"to: {exc}", "invalid_to") from None


def wrote_in(tenant, channel_name, contact_id) -> bool:
    return (
        ContactChannelPolicy.objects.for_tenant(tenant)
        .filter(channel=channel_name, contact_id=contact_id, last_inbound_at__isnull=False)
        .exists()
    )


def contact_or_raw(channel_name, raw) -> str:
    """For ids a provider sent us: canonical when valid, else kept as the provider wrote it."""
    return contacts.canonical_or_raw(channel_name, raw)


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
        raise ServiceError(
            f"template: templates are a WhatsApp Cloud API feature; send body on {channel_name}.",
            "template_not_supported",
        )
    name = str(template.get("name", "")).strip() if isinstance(template, dict) else ""
    if not _TEMPLATE_NAME.match(name):
        raise ServiceError(
            'template: give its approved name in lower case, e.g. {"name": "order_update", '
            '"language": "en_US", "parameters": ["1042"]}.',
            "invalid_template",
        )
    parameters = template.get("parameters") or []
    if not isinstance(parameters, list) or any(isinstance(p, (dict, list)) for p in parameters):
        raise ServiceError("template.parameters: give a list of texts, one per {{n}} placeholder.", "invalid_template")
    language = str(template.get("language") or "en_US").strip()
    return {"name": name, "language": language, "parameters": [str(p) for p in parameters]}


def connection(tenant, channel_name, chosen=None) -> Connection:
    provider = PROVIDER_OF[channel_name]
    if chosen is not None:
        if chosen.tenant_id != tenant.pk or chosen.provider != provider:
            raise ServiceError(
                f"connection: {chosen} is not a {provider} connection of {tenant.name}.", "invalid_connection"
            )
        return chosen
    found = (
        Connection.objects.for_tenant(tenant).filter(provider=provider, is_active=True).order_by("created_at").first()
    )
    if found is None:
        raise ServiceError(
            f"channel: {tenant.name} has no active {Channel(channel_name).label} connection to send through.",
            "no_connection",
        )
    return found
