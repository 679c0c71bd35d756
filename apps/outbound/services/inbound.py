"""What the inbound pipeline tells outbound: a contact wrote (the 24-hour window opens, STOP and
START keywords change the opt-out, a reply stops stop-on-reply messages) and a provider reported
a delivery status (the message moves forward, never back)."""

import re

from django.db import connection as db
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.events import audit, emit
from apps.outbound import defaults, states
from apps.outbound.models import CHANNEL_OF, ContactChannelPolicy, OutboundMessage, Source, Status, Via
from apps.outbound.services import messages, policies, validation
from apps.outbound.services.common import SEND_FAIL_CODE
from apps.tenants.models import Tenant

_WORD = re.compile(r"^[^\w]*(\w+)[^\w]*$")
DELIVERY = {"sent": Status.SENT, "delivered": Status.DELIVERED, "read": Status.READ, "failed": Status.FAILED}
NOTED = ["last_inbound_at", "contact_name", "updated_at"]
RANK = {Status.SENT: 1, Status.DELIVERED: 2, Status.READ: 3}


def keyword(text) -> str:
    """The one word a message consists of, upper-cased ("Stop!" → "STOP"); "" for anything else."""
    match = _WORD.match((text or "").strip())
    return match.group(1).upper() if match else ""


def record_inbound(connection, contact_id, text, *, received_at, contact_name=""):
    """Returns the contact's policy after the message (None for a connection that does not send)."""
    channel = CHANNEL_OF.get(connection.provider)
    if channel is None:
        return None
    contact = validation.contact_or_raw(channel, contact_id)
    tenant = connection.tenant
    with transaction.atomic():
        policy = policies.locked_policy(tenant, channel, contact, contact_name or "")
        _note_inbound(policy, received_at, contact_name)
        _stop_sequences(policy, received_at)
        _keywords(policy, connection, keyword(text), received_at)
    policy.refresh_from_db()
    return policy


def record_inbound_batch(items) -> dict:
    """`record_inbound` for a batch of messages (objects with connection, contact_id, text,
    received_at, contact_name), in the order received: each contact's policy locked and written
    once, the stop-on-reply messages of all of them found with one SELECT, tenants and their
    outbound settings read once. Keywords are applied message by message, in order, as the single
    path does. Returns {(tenant id, channel, contact id): policy}."""
    by_contact = _by_contact(items)
    if not by_contact:
        return {}
    tenants = Tenant.objects.in_bulk({key[0] for key in by_contact})
    with transaction.atomic():
        found = policies.locked_policies(tenants, [(*key, _name(group)) for key, group in by_contact.items()])
        for key, group in by_contact.items():
            _note_inbound_batch(found[key], group)
        save_noted(list(found.values()))
        _stop_sequences_batch(tenants, by_contact)
        _keywords_batch(found, by_contact)
    return found


def _by_contact(items) -> dict:
    groups = {}
    for item in items:
        channel = CHANNEL_OF.get(item.connection.provider)
        if channel is not None:
            contact = validation.contact_or_raw(channel, item.contact_id)
            groups.setdefault((item.connection.tenant_id, channel, contact), []).append(item)
    return groups


def _name(group) -> str:
    return next((item.contact_name for item in reversed(group) if item.contact_name), "")


def _note_inbound_batch(policy, group):
    latest = max(item.received_at for item in group)
    if policy.last_inbound_at is None or latest > policy.last_inbound_at:
        policy.last_inbound_at = latest
    policy.contact_name = (_name(group) or policy.contact_name)[:255]
    policy.updated_at = timezone.now()


def save_noted(rows):
    """Writes the NOTED fields of every policy with one UPDATE. On PostgreSQL that is
    `UPDATE … FROM (VALUES …)`: Django's bulk_update builds a CASE per field and row, which was most
    of this receiver's CPU for a batch (bench/RESULTS.md); elsewhere, bulk_update."""
    if db.vendor != "postgresql":
        ContactChannelPolicy.objects.bulk_update(rows, NOTED)
        return
    quote = db.ops.quote_name
    columns = [ContactChannelPolicy._meta.get_field(name).column for name in NOTED]
    row = "(%s::bigint, %s::timestamptz, %s::text, %s::timestamptz)"
    sql = (
        f"UPDATE {quote(ContactChannelPolicy._meta.db_table)} AS policy "
        f"SET {', '.join(f'{quote(column)} = noted.{quote(column)}' for column in columns)} "
        f"FROM (VALUES {', '.join([row] * len(rows))}) AS noted (id, {', '.join(quote(c) for c in columns)}) "
        "WHERE policy.id = noted.id"
    )
    with db.cursor() as cursor:
        cursor.execute(sql, [value for policy in rows for value in (policy.pk, *(getattr(policy, f) for f in NOTED))])


def _stop_sequences_batch(tenants, by_contact):
    """One locked SELECT for every contact's stop-on-reply messages; each is stopped by the first
    reply that came after it was created, as replies one at a time would have stopped it."""
    query = Q()
    for tenant_id, channel, contact_id in by_contact:
        query |= Q(tenant_id=tenant_id, channel=channel, contact_id=contact_id)
    latest = max(item.received_at for group in by_contact.values() for item in group)
    pending = OutboundMessage.objects.select_for_update(skip_locked=True, of=("self",)).filter(
        query, stop_on_reply=True, status__in=states.PENDING, created_at__lte=latest
    )
    for message in pending.order_by("id"):
        replies = [item.received_at for item in by_contact[(message.tenant_id, message.channel, message.contact_id)]]
        after = [at for at in replies if at >= message.created_at]
        if after:
            message.tenant = tenants[message.tenant_id]
            _stop(message, min(after))


def _keywords_batch(found, by_contact):
    """Each one-word message in order, the tenant's stop words read once per batch."""
    loaded = {}
    for key, group in by_contact.items():
        for item in group:
            word = keyword(item.text)
            if word:
                if key[0] not in loaded:
                    loaded[key[0]] = defaults.for_tenant(found[key].tenant)
                _keywords(found[key], item.connection, word, item.received_at, loaded[key[0]])


def _note_inbound(policy, received_at, contact_name):
    if policy.last_inbound_at is None or received_at > policy.last_inbound_at:
        policy.last_inbound_at = received_at
    policy.contact_name = (contact_name or policy.contact_name)[:255]
    policy.save(update_fields=["last_inbound_at", "contact_name", "updated_at"])


def _stop_sequences(policy, received_at):
    pending = (
        OutboundMessage.objects.for_tenant(policy.tenant)
        .select_for_update(skip_locked=True, of=("self",))
        .filter(
            channel=policy.channel,
            contact_id=policy.contact_id,
            stop_on_reply=True,
            status__in=states.PENDING,
            created_at__lte=received_at,
        )
    )
    for message in pending:
        message.tenant = policy.tenant
        _stop(message, received_at)


def _stop(message, received_at):
    """Cancels a stop-on-reply message because its contact replied at `received_at`."""
    states.transition(
        message,
        Status.CANCELED,
        last_error=(f"The contact replied at {received_at:%Y-%m-%d %H:%M} UTC; this message stops on reply."),
        preflight_code="STOPPED_BY_REPLY",
        preflight_reason="The contact replied; this message stops on reply.",
    )
    audit.record(
        "outbound.blocked",
        actor_label="contact reply",
        tenant=message.tenant,
        target=message,
        reason="Stopped by the contact's reply.",
        after={"status": Status.CANCELED},
    )


def _keywords(policy, connection, word, received_at, tenant_defaults=None):
    tenant_defaults = tenant_defaults or defaults.for_tenant(policy.tenant)
    label = f"contact {policy.contact_id} (keyword {word})"
    if word in tenant_defaults.stop_words:
        if policies.opt_out(policy, via=Via.KEYWORD, actor_label=label, note=word, now=received_at):
            messages.create_message(
                policy.tenant,
                channel=policy.channel,
                to=policy.contact_id,
                body=tenant_defaults.opt_out_confirmation,
                connection=connection,
                approve=True,
                source=Source.SYSTEM,
                created_by_label="opt-out confirmation",
                contact_name=policy.contact_name,
                stop_on_reply=False,
                is_opt_out_confirmation=True,
            )
    elif word in defaults.START_WORDS:
        policy.refresh_from_db()
        if policy.opted_out:
            policies.opt_in(policy, via=Via.KEYWORD, confirmed=True, actor_label=label, note=word, now=received_at)


def apply_delivery_status(
    connection, provider_message_id, status, *, error_code=None, error_title=None, occurred_at=None
) -> bool:
    """Moves the message with this provider id forward; False when no message has it."""
    if not provider_message_id:
        return False
    with transaction.atomic():
        message = (
            OutboundMessage.objects.select_for_update(of=("self",))
            .select_related("tenant")
            .filter(connection=connection, provider_message_id=provider_message_id)
            .first()
        )
        if message is None:
            return False
        target = DELIVERY.get(status)
        if target is None or not _forward(message.status, target):
            return True
        when = occurred_at or timezone.now()
        if target == Status.FAILED:
            _delivery_failed(message, when, error_code, error_title or "")
        else:
            _stamp_skipped(message, target, when)
            states.transition(message, target, now=when)
    return True


def _forward(current, target) -> bool:
    if target == Status.FAILED:
        return states.allowed(current, target)
    return current in RANK and RANK[target] > RANK[current] and states.allowed(current, target)


def _stamp_skipped(message, target, when):
    """ "read" can arrive without "delivered" before it: a read message was delivered too."""
    if target == Status.READ and message.delivered_at is None:
        states.annotate(message, delivered_at=when)


def _delivery_failed(message, when, error_code, error_title):
    error = (
        f"{error_code}: {error_title}".strip(": ") if error_code else (error_title or "The provider reported failure.")
    )
    states.transition(message, Status.FAILED, now=when, last_error=error, last_error_code=str(error_code or "")[:40])
    emit(
        SEND_FAIL_CODE[message.channel],
        tenant=message.tenant,
        source="outbound.delivery",
        message=f"Message #{message.pk} to {message.contact_id} was not delivered: {error}",
        meta={
            "outbound_message_id": message.pk,
            "meta_error_code": error_code,
            "provider_error_code": error_code,
            "provider_message_id": message.provider_message_id,
        },
    )
    audit.record(
        "outbound.failed",
        actor_label="delivery status",
        tenant=message.tenant,
        target=message,
        reason=error,
        after={"error_code": error_code},
    )
