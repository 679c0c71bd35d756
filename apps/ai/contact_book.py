"""What the output guardrail asks the database: which of a tenant's contacts hold the phone numbers
and e-mail addresses an answer gives, in ONE statement over the places a tenant's contacts are
stored (its WhatsApp conversations and contact policies, the guests its PMS reported, the external
requesters of its tickets); and the tenant's own public details, which an answer may always give."""

from django.db.models import CharField, F, Q, Value
from django.db.models.functions import Lower, Replace

from apps.ai.guardrails.output import ContactDetails, Shapes
from apps.integrations.models import Conversation, Reservation
from apps.outbound.models import WHATSAPP_CHANNELS, ContactChannelPolicy
from apps.tickets.models import Ticket

PHONE_PUNCTUATION = (" ", "-", "(", ")", ".", "/", "+")


def holding(tenant, shapes: Shapes) -> list[ContactDetails]:
    parts = _contact_ids(tenant, shapes) + _written(tenant, shapes)
    if not parts:
        return []
    rows = parts[0].union(*parts[1:], all=True)
    return [ContactDetails(phone=phone or "", email=email or "") for phone, email in rows]


def tenant_details(tenant, ai_settings) -> tuple[str, ...]:
    """The tenant's own texts customers already see: what its phone numbers, e-mail addresses and
    links in them are, the answer may repeat."""
    texts = (ai_settings.fallback_text, ai_settings.safe_reply, tenant.fallback_email, tenant.manual_mode_notice)
    return tuple(text for text in texts if text)


def _contact_ids(tenant, shapes: Shapes) -> list:
    """WhatsApp contacts by their canonical id (E.164 digits)."""
    if not shapes.phones:
        return []
    return [
        model.objects.for_tenant(tenant)
        .filter(channel__in=WHATSAPP_CHANNELS, contact_id__in=sorted(shapes.phones))
        .annotate(phone=F("contact_id"), email=Value("", output_field=CharField()))
        .values_list("phone", "email")
        .order_by()
        for model in (Conversation, ContactChannelPolicy)
    ]


def _written(tenant, shapes: Shapes) -> list:
    """Guests and requesters by the number and address as typed (any punctuation, maybe national)."""
    found = [
        Reservation.objects.for_tenant(tenant).annotate(phone=_digits("guest_phone"), email=Lower("guest_email")),
        Ticket.objects.for_tenant(tenant)
        .filter(requester_user__isnull=True)
        .annotate(phone=_digits("requester_phone"), email=Lower("requester_email")),
    ]
    matching = _matching(shapes)
    return [query.filter(matching).values_list("phone", "email").order_by() for query in found]


def _matching(shapes: Shapes) -> Q:
    condition = Q(pk__in=[])
    if shapes.phones:
        condition |= Q(phone__in=sorted(shapes.phone_forms))
    if shapes.emails:
        condition |= Q(email__in=sorted(shapes.emails))
    return condition


def _digits(field: str):
    expression = F(field)
    for mark in PHONE_PUNCTUATION:
        expression = Replace(expression, Value(mark), Value(""))
    return expression
