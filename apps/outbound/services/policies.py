"""Changes to contact policies and tenant outbound settings. Opt-out and opt-in record when, how
and who; every change is audited as `outbound.policy_changed`. Opting back in is always explicit:
the contact's own START, or a person who confirms it."""

from django.db import IntegrityError, transaction
from django.db import connection as db_connection
from django.db.models import F, Q
from django.utils import timezone

from apps.core import contacts
from apps.core.errors import ServiceError
from apps.events import audit
from apps.outbound.models import ContactChannelPolicy, OutboundMessage, OutboundSettings, Status
from apps.outbound.services.common import who

TRACKED = ("opted_out", "opted_out_via", "opted_out_note", "stop_on_reply", "frequency_cap", "frequency_window_s")


def contact_policy(tenant, channel, contact_id, contact_name="") -> ContactChannelPolicy:
    """The contact's policy on the channel, created with the defaults on first use. Keyed by the
    canonical contact id, however `contact_id` is written."""
    contact_id = contacts.canonical_or_raw(channel, contact_id)
    found = ContactChannelPolicy.objects.filter(tenant=tenant, channel=channel, contact_id=contact_id).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return ContactChannelPolicy.objects.create(
                tenant=tenant, channel=channel, contact_id=contact_id, contact_name=contact_name[:255]
            )
    except IntegrityError:
        return ContactChannelPolicy.objects.get(tenant=tenant, channel=channel, contact_id=contact_id)


def locked_policy(tenant, channel, contact_id, contact_name="") -> ContactChannelPolicy:
    """The policy row, locked until the caller's transaction ends (cap counters change under it)."""
    policy = contact_policy(tenant, channel, contact_id, contact_name)
    return ContactChannelPolicy.objects.select_for_update().get(pk=policy.pk)


def locked_policies(tenants, keys) -> dict:
    """The policies of many contacts at once, created with the defaults where missing and locked
    until the caller's transaction ends, in one SELECT (two more when some are new). `keys` are
    (tenant id, channel, canonical contact id, contact name); `tenants` {id: Tenant} is set on each
    policy so no policy loads its tenant again. Returns {(tenant id, channel, contact id): policy}."""
    found = _lock_policies(keys)
    missing = {key[:3]: key[3] for key in keys if key[:3] not in found}
    if missing:
        ContactChannelPolicy.objects.bulk_create(
            [
                ContactChannelPolicy(
                    tenant_id=tenant_id, channel=channel, contact_id=contact_id, contact_name=name[:255]
                )
                for (tenant_id, channel, contact_id), name in missing.items()
            ],
            ignore_conflicts=True,
        )
        found.update(_lock_policies(missing))
    for policy in found.values():
        policy.tenant = tenants[policy.tenant_id]
    return found


def _lock_policies(keys) -> dict:
    wanted = {}
    for tenant_id, channel, contact_id, *_name in keys:
        wanted.setdefault((tenant_id, channel), set()).add(contact_id)
    query = Q()
    for (tenant_id, channel), contact_ids in wanted.items():
        query |= Q(tenant_id=tenant_id, channel=channel, contact_id__in=contact_ids)
    rows = ContactChannelPolicy.objects.select_for_update().filter(query).order_by("id")
    return {(row.tenant_id, row.channel, row.contact_id): row for row in rows}


def policy_of(message) -> ContactChannelPolicy:
    return contact_policy(message.tenant, message.channel, message.contact_id, message.contact_name)


def _snapshot(policy) -> dict:
    return {field: getattr(policy, field) for field in TRACKED}


def _audit(policy, before, actor, label, reason, request):
    audit.record(
        "outbound.policy_changed",
        actor=actor,
        actor_label=label,
        tenant=policy.tenant,
        target=policy,
        reason=reason,
        before=before,
        after=_snapshot(policy),
        request=request,
    )


def opt_out(policy, *, via, actor=None, actor_label="", note="", request=None, now=None) -> bool:
    """Opts the contact out; False (and nothing written) when already opted out."""
    user, label = who(actor, actor_label)
    with transaction.atomic():
        policy = ContactChannelPolicy.objects.select_for_update().get(pk=policy.pk)
        if policy.opted_out:
            return False
        before = _snapshot(policy)
        policy.opted_out, policy.opted_out_at, policy.opted_out_via = True, now or timezone.now(), via
        policy.opted_out_by, policy.opted_out_by_label, policy.opted_out_note = user, label, (note or "")[:500]
        policy.save()
        _audit(policy, before, user, label, note, request)
    return True


def opt_in(
    policy, *, via, confirmed, actor=None, actor_label="", note="", requeue_blocked=False, request=None, now=None
) -> int:
    """Opts the contact back in. Needs `confirmed` (the person confirmed the contact asked for it,
    or the contact sent START). With `requeue_blocked`, messages blocked by the opt-out go through
    preflight again. Returns how many were requeued."""
    if not confirmed:
        raise ServiceError(
            "Opting a contact back in needs an explicit confirmation that they asked to receive messages again.",
            "confirmation_required",
        )
    user, label = who(actor, actor_label)
    with transaction.atomic():
        policy = ContactChannelPolicy.objects.select_for_update().get(pk=policy.pk)
        if not policy.opted_out:
            raise ServiceError(f"{policy} is not opted out.", "not_opted_out")
        before = _snapshot(policy)
        policy.opted_out, policy.opted_in_at, policy.opted_in_via = False, now or timezone.now(), via
        policy.opted_in_by, policy.opted_in_by_label, policy.opted_in_note = user, label, (note or "")[:500]
        policy.save()
        _audit(policy, before, user, label, note, request)
        return _requeue_blocked(policy, now) if requeue_blocked else 0


def _requeue_blocked(policy, now) -> int:
    from apps.outbound.services import messages

    blocked = list(
        OutboundMessage.objects.for_tenant(policy.tenant)
        .filter(
            channel=policy.channel,
            contact_id=policy.contact_id,
            status=Status.BLOCKED_OPT_OUT,
        )
        .select_related("tenant__plan", "connection")
    )
    for message in blocked:
        messages.queue(message, now or timezone.now())
    return len(blocked)


def blocked_count(policy) -> int:
    return (
        OutboundMessage.objects.for_tenant(policy.tenant)
        .filter(channel=policy.channel, contact_id=policy.contact_id, status=Status.BLOCKED_OPT_OUT)
        .count()
    )


def update_policy(
    policy, *, stop_on_reply, frequency_cap, frequency_window_s, actor=None, reason="", request=None
) -> ContactChannelPolicy:
    """Sets stop-on-reply and the contact's own cap (None: the tenant's default)."""
    _check_cap(frequency_cap, frequency_window_s)
    user, label = who(actor)
    with transaction.atomic():
        policy = ContactChannelPolicy.objects.select_for_update().get(pk=policy.pk)
        before = _snapshot(policy)
        policy.stop_on_reply, policy.frequency_cap, policy.frequency_window_s = (
            stop_on_reply,
            frequency_cap,
            frequency_window_s,
        )
        if before != _snapshot(policy):
            policy.save()
            _audit(policy, before, user, label, reason, request)
    return policy


def _check_cap(cap, window):
    if cap is not None and cap < 0:
        raise ServiceError("frequency_cap: a cap cannot be negative.", "invalid_cap")
    if window is not None and window < 60:
        raise ServiceError("frequency_window_s: a window is at least 60 seconds.", "invalid_window")


def set_tenant_settings(
    tenant,
    *,
    frequency_cap,
    frequency_window_s,
    stop_words="",
    opt_out_confirmation="",
    actor=None,
    reason="",
    request=None,
) -> OutboundSettings:
    _check_cap(frequency_cap, frequency_window_s)
    if frequency_cap is None or frequency_window_s is None:
        raise ServiceError("frequency_cap, frequency_window_s: a tenant default needs both.", "invalid_cap")
    user, label = who(actor)
    fields = {
        "frequency_cap": frequency_cap,
        "frequency_window_s": frequency_window_s,
        "stop_words": ", ".join(sorted({w.strip().upper() for w in stop_words.split(",") if w.strip()})),
        "opt_out_confirmation": opt_out_confirmation.strip(),
    }
    with transaction.atomic():
        row = OutboundSettings.objects.select_for_update().filter(tenant=tenant).first()
        before = {k: getattr(row, k) for k in fields} if row else {}
        row, _ = OutboundSettings.objects.update_or_create(tenant=tenant, defaults=fields)
        audit.record(
            "outbound.policy_changed",
            actor=user,
            actor_label=label,
            tenant=tenant,
            target=row,
            reason=reason,
            before=before,
            after=fields,
            request=request,
        )
    return row


def reserve(policy, window_s, now) -> None:
    """Counts a send against the contact's window (a new window starts when none runs)."""
    count_send(policy, window_s, now)
    ContactChannelPolicy.objects.filter(pk=policy.pk).update(
        window_started_at=policy.window_started_at, window_count=policy.window_count, last_sent_at=now
    )


def count_send(policy, window_s, now) -> None:
    """`reserve` on the policy object alone; the batch dispatcher writes many with `save_reservations`."""
    running = policy.window_started_at is not None and (now - policy.window_started_at).total_seconds() < window_s
    policy.window_started_at = policy.window_started_at if running else now
    policy.window_count = policy.window_count + 1 if running else 1
    policy.last_sent_at = now


RESERVATION_FIELDS = ["window_started_at", "window_count", "last_sent_at"]


def save_reservations(policies) -> None:
    """Writes what `count_send` counted on these (locked) policies: on PostgreSQL one
    `UPDATE … FROM (VALUES …)`, elsewhere `bulk_update`."""
    rows = list({policy.pk: policy for policy in policies}.values())
    if not rows:
        return
    if db_connection.vendor != "postgresql":
        ContactChannelPolicy.objects.bulk_update(rows, RESERVATION_FIELDS)
        return
    table = ContactChannelPolicy._meta.db_table
    values = ", ".join(["(%s::bigint, %s::timestamptz, %s::integer, %s::timestamptz)"] * len(rows))
    sql = (
        f'UPDATE "{table}" AS p SET window_started_at = v.started, window_count = v.count, last_sent_at = v.last, '
        f"updated_at = now() FROM (VALUES {values}) AS v(id, started, count, last) WHERE p.id = v.id"
    )
    params = [value for row in rows for value in (row.pk, row.window_started_at, row.window_count, row.last_sent_at)]
    with db_connection.cursor() as cursor:
        cursor.execute(sql, params)


def release(message) -> None:
    """Gives back what a send that did not go out took: its count, if its window still runs, and
    its place in the contact's spacing, if no later send took it (the one before was at least
    OUTBOUND_CONTACT_INTERVAL_S earlier, or this one would not have been allowed)."""
    rows = ContactChannelPolicy.objects.filter(
        tenant_id=message.tenant_id, channel=message.channel, contact_id=message.contact_id
    )
    rows.filter(window_started_at__lte=message.sending_at, window_count__gt=0).update(
        window_count=F("window_count") - 1
    )
    rows.filter(last_sent_at=message.sending_at).update(last_sent_at=None)
