"""Stored contact ids in the canonical form of apps.core.contacts. Before it, `+٣٩٣٣٣…` (Arabic-Indic
digits) or full-width digits were stored as given, so the same person could have two policies on
one channel. Two policies that turn out to be one contact are merged into the canonical one, the
strictest of each kept: opted out if either is, stop-on-reply if either stops, the lower cap and
the longer window, the sends of both windows. Pure ASCII digits without a leading zero are
already canonical and are not read."""

from django.db import migrations
from django.db.models import Q

from apps.core import contacts

ALREADY_CANONICAL = Q(contact_id__regex=r"^[1-9][0-9]*$")
OPT_OUT_FIELDS = (
    "opted_out",
    "opted_out_at",
    "opted_out_via",
    "opted_out_by_id",
    "opted_out_by_label",
    "opted_out_note",
)


def forwards(apps, schema_editor):
    for message in apps.get_model("outbound", "OutboundMessage").objects.exclude(ALREADY_CANONICAL).iterator():
        canonical = contacts.canonical_or_raw(message.channel, message.contact_id)
        if canonical != message.contact_id:
            message.contact_id = canonical
            message.save(update_fields=["contact_id"])
    Policy = apps.get_model("outbound", "ContactChannelPolicy")
    for policy in list(Policy.objects.exclude(ALREADY_CANONICAL)):
        canonical = contacts.canonical_or_raw(policy.channel, policy.contact_id)
        if canonical != policy.contact_id:
            _move(Policy, policy, canonical)


def _move(Policy, policy, canonical):
    keeper = Policy.objects.filter(tenant_id=policy.tenant_id, channel=policy.channel, contact_id=canonical).first()
    if keeper is None:
        policy.contact_id = canonical
        policy.save(update_fields=["contact_id"])
        return
    merge(keeper, policy)
    keeper.save()
    policy.delete()


def merge(keeper, other):
    """The strictest of two policies of one contact, written onto `keeper`."""
    if other.opted_out and not keeper.opted_out:
        for name in OPT_OUT_FIELDS:
            setattr(keeper, name, getattr(other, name))
    keeper.stop_on_reply = keeper.stop_on_reply or other.stop_on_reply
    keeper.frequency_cap = _lowest(keeper.frequency_cap, other.frequency_cap)
    keeper.frequency_window_s = _highest(keeper.frequency_window_s, other.frequency_window_s)
    keeper.window_count += other.window_count
    keeper.window_started_at = _highest(keeper.window_started_at, other.window_started_at)
    keeper.last_sent_at = _highest(keeper.last_sent_at, other.last_sent_at)
    keeper.last_inbound_at = _highest(keeper.last_inbound_at, other.last_inbound_at)
    keeper.contact_name = keeper.contact_name or other.contact_name


def _lowest(*values):
    present = [value for value in values if value is not None]
    return min(present) if present else None


def _highest(*values):
    present = [value for value in values if value is not None]
    return max(present) if present else None


class Migration(migrations.Migration):
    dependencies = [("outbound", "0002_outbound_check_in_runbooks")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
