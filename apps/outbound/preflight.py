"""Preflight: may this message go out now? Run before every send on every path (approve, retry,
automation, dispatch); the verdict is stored on the message.

`decide(facts)` is pure over `Facts`; `check(message, contact_policy)` loads them. Tenant status,
the tenant's and the global WhatsApp switches and the plan's monthly limit are decided by
`apps.tenants.policy`; the contact's opt-out, stop-on-reply, frequency cap and the WhatsApp Cloud
24-hour window are decided here."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from apps.core import contacts
from apps.integrations.models import Conversation
from apps.outbound import defaults as outbound_defaults
from apps.outbound.models import WHATSAPP_CHANNELS, Channel, OutboundMessage, Status
from apps.tenants import policy as tenant_policy

OK = "OK"
CONNECTION_INACTIVE = "CONNECTION_INACTIVE"
OPTED_OUT = "OPTED_OUT"
STOPPED_BY_REPLY = "STOPPED_BY_REPLY"
FREQUENCY_CAPPED = "FREQUENCY_CAPPED"
WINDOW_CLOSED = "WINDOW_CLOSED"
NEW_CONTACTS_PAUSED = "NEW_CONTACTS_PAUSED"
SERVICE_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Verdict:
    code: str
    reason: str
    status: str | None = None
    retry_at: datetime | None = None

    @property
    def allowed(self) -> bool:
        return self.status is None


ALLOWED = Verdict(OK, "All preflight checks passed.")


@dataclass(frozen=True)
class Facts:
    channel: str
    tenant: tenant_policy.PolicyInput
    now: datetime
    created_at: datetime
    has_template: bool = False
    is_confirmation: bool = False
    stop_on_reply: bool = False
    connection_active: bool = True
    connection_name: str = ""
    opted_out: bool = False
    opted_out_at: datetime | None = None
    opted_out_how: str = ""
    last_inbound_at: datetime | None = None
    cap: int = 10
    window_s: int = 86400
    window_started_at: datetime | None = None
    window_count: int = 0
    new_contacts_paused: str = ""  # WhatsApp's reason, while it limits new contacts on the connection
    known_contact: bool = True  # an earlier conversation with the contact on this connection


def decide(f: Facts) -> Verdict:
    for rule in (_tenant, _connection, _new_contacts, _opt_out, _stop_on_reply, _frequency, _service_window):
        verdict = rule(f)
        if verdict is not None:
            return verdict
    return ALLOWED


def _tenant(f):
    decide_tenant = (
        tenant_policy.decide_whatsapp_message if f.channel in WHATSAPP_CHANNELS else tenant_policy.decide_message
    )
    decision = decide_tenant(f.tenant)
    return None if decision else Verdict(decision.code, decision.reason, Status.BLOCKED_POLICY)


def _connection(f):
    if f.connection_active:
        return None
    return Verdict(CONNECTION_INACTIVE, f"The connection {f.connection_name} is switched off.", Status.BLOCKED_POLICY)


def _new_contacts(f):
    """WhatsApp's reach-out timelock or message cap: existing conversations go on, new ones wait."""
    if not f.new_contacts_paused or f.known_contact:
        return None
    return Verdict(
        NEW_CONTACTS_PAUSED,
        f"A first message to a new contact is held on {f.connection_name}: {f.new_contacts_paused}",
        Status.BLOCKED_POLICY,
    )


def _opt_out(f):
    if not f.opted_out or f.is_confirmation:
        return None
    when = f" on {f.opted_out_at:%Y-%m-%d %H:%M} UTC" if f.opted_out_at else ""
    return Verdict(
        OPTED_OUT,
        f"The contact opted out{when} ({f.opted_out_how}); only an explicit opt-in unlocks this message.",
        Status.BLOCKED_OPT_OUT,
    )


def _stop_on_reply(f):
    if not (f.stop_on_reply and f.last_inbound_at and f.last_inbound_at >= f.created_at):
        return None
    return Verdict(
        STOPPED_BY_REPLY,
        f"The contact replied at {f.last_inbound_at:%Y-%m-%d %H:%M} UTC; this message stops on reply.",
        Status.CANCELED,
    )


def window_end(f) -> datetime | None:
    """The end of the contact's current frequency window; None when no window is running."""
    if f.window_started_at is None:
        return None
    end = f.window_started_at + timedelta(seconds=f.window_s)
    return end if f.now < end else None


def _frequency(f):
    end = window_end(f)
    if f.is_confirmation or end is None or f.window_count < f.cap:
        return None
    return Verdict(
        FREQUENCY_CAPPED,
        f"Frequency cap reached: {f.window_count} of {f.cap} messages in the current "
        f"{_duration(f.window_s)} window; sending resumes after {end:%Y-%m-%d %H:%M} UTC.",
        Status.FREQUENCY_CAPPED,
        retry_at=end,
    )


def _service_window(f):
    if f.channel != Channel.WHATSAPP_CLOUD or f.has_template:
        return None
    if f.last_inbound_at and f.now - f.last_inbound_at <= SERVICE_WINDOW:
        return None
    last = f"last wrote at {f.last_inbound_at:%Y-%m-%d %H:%M} UTC" if f.last_inbound_at else "has never written"
    return Verdict(
        WINDOW_CLOSED,
        f"The 24-hour customer-service window is closed (the contact {last}); free text is "
        "refused outside it, send an approved template instead.",
        Status.BLOCKED_POLICY,
    )


def _duration(seconds):
    if seconds % 86400 == 0:
        return f"{seconds // 86400}-day"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}-hour"
    return f"{seconds}-second"


def facts(message, contact_policy, now=None) -> Facts:
    now = now or timezone.now()
    tenant_input = tenant_policy.input_for(message.tenant, now)
    return facts_from(message, contact_policy, tenant_input, outbound_defaults.for_tenant(message.tenant), now)


def facts_from(message, contact_policy, tenant_input, tenant_defaults, now) -> Facts:
    """`Facts` from what is already loaded (no query, but for a connection under WhatsApp's new-contacts
    pause, whose contacts are looked up): the single check and the batch share it."""
    cap, window = outbound_defaults.cap_of(contact_policy, tenant_defaults)
    paused = message.connection.new_contacts_paused_reason if message.connection.is_new_contacts_paused else ""
    return Facts(
        channel=message.channel,
        tenant=tenant_input,
        now=now,
        created_at=message.created_at,
        has_template=bool(message.template),
        is_confirmation=message.is_opt_out_confirmation,
        stop_on_reply=message.stop_on_reply,
        connection_active=message.connection.is_active,
        connection_name=message.connection.name,
        opted_out=contact_policy.opted_out,
        opted_out_at=contact_policy.opted_out_at,
        opted_out_how=_how(contact_policy),
        last_inbound_at=contact_policy.last_inbound_at,
        cap=cap,
        window_s=window,
        window_started_at=contact_policy.window_started_at,
        window_count=contact_policy.window_count,
        new_contacts_paused=paused,
        known_contact=not paused or _known_contact(message),
    )


def _known_contact(message) -> bool:
    """Whether the contact wrote on this connection before, or was sent a message through it."""
    contact_id = contacts.canonical_or_raw(message.channel, message.contact_id)
    on_connection = {"connection_id": message.connection_id, "contact_id": contact_id}
    if Conversation.objects.filter(**on_connection).exists():
        return True
    return OutboundMessage.objects.filter(**on_connection, sent_at__isnull=False).exclude(pk=message.pk).exists()


def _how(contact_policy):
    how = contact_policy.get_opted_out_via_display() if contact_policy.opted_out_via else "opted out"
    return f"{how}: {contact_policy.opted_out_note}" if contact_policy.opted_out_note else how


def check(message, contact_policy, now=None) -> Verdict:
    return decide(facts(message, contact_policy, now))
