"""Preflight for a batch of messages: the same verdicts as `preflight.check`, from inputs loaded
with a few set-based queries for the whole batch (each tenant's switches, usage and defaults once,
every contact's policy in one SELECT) instead of six queries per message.

`load` does the queries; `facts` and `verdicts` are pure over what it loaded."""

from dataclasses import dataclass, replace
from datetime import datetime

from apps.core import contacts
from apps.outbound import defaults as outbound_defaults
from apps.outbound import preflight
from apps.outbound.models import ContactChannelPolicy
from apps.tenants import policy as tenant_policy


@dataclass(frozen=True)
class Loaded:
    now: datetime
    tenants: dict  # tenant id -> tenants.policy.PolicyInput
    defaults: dict  # tenant id -> defaults.Defaults
    policies: dict  # policy_key(...) -> ContactChannelPolicy

    def policy_of(self, message) -> ContactChannelPolicy:
        return self.policies[key_of(message)]


def key_of(message) -> tuple:
    return (message.tenant_id, message.channel, contacts.canonical_or_raw(message.channel, message.contact_id))


def load(messages, now, lock=False) -> Loaded:
    """Loads what preflight reads for `messages` (with `tenant__plan` selected). With `lock`, the
    contact policies stay locked (in id order, as concurrent batches take them) until the
    caller's transaction ends, as dispatch needs while it counts sends against the caps."""
    tenants = {message.tenant_id: message.tenant for message in messages}
    return Loaded(
        now=now,
        tenants={pk: tenant_policy.input_for(tenant, now) for pk, tenant in tenants.items()},
        defaults={pk: outbound_defaults.for_tenant(tenant) for pk, tenant in tenants.items()},
        policies=_policies(messages, lock),
    )


def _policies(messages, lock) -> dict:
    names = {key_of(message): message.contact_name for message in messages}
    ContactChannelPolicy.objects.bulk_create(
        [
            ContactChannelPolicy(tenant_id=tenant_id, channel=channel, contact_id=contact_id, contact_name=name[:255])
            for (tenant_id, channel, contact_id), name in names.items()
        ],
        ignore_conflicts=True,
    )
    rows = ContactChannelPolicy.objects.filter(
        tenant_id__in={key[0] for key in names},
        channel__in={key[1] for key in names},
        contact_id__in={key[2] for key in names},
    ).order_by("pk")
    rows = rows.select_for_update(of=("self",)) if lock else rows
    return {key: row for row in rows if (key := (row.tenant_id, row.channel, row.contact_id)) in names}


def facts(message, loaded: Loaded, sent_before: int = 0) -> preflight.Facts:
    """The message's facts; `sent_before` counts the tenant's sends allowed earlier in this batch
    against its monthly limit, as if they had gone out already."""
    tenant_input = loaded.tenants[message.tenant_id]
    if sent_before:
        tenant_input = replace(tenant_input, messages_this_month=tenant_input.messages_this_month + sent_before)
    return preflight.facts_from(
        message, loaded.policy_of(message), tenant_input, loaded.defaults[message.tenant_id], loaded.now
    )


def verdicts(messages, loaded: Loaded) -> dict:
    """Each message's verdict, by id, as `preflight.check` would give it on its own."""
    return {message.pk: preflight.decide(facts(message, loaded)) for message in messages}
