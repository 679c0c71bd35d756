"""What the incident lifecycle's signals become: an Announcement (what the public may read at
that moment), a portal notice and an owners' e-mail for every affected tenant, the status page
subscribers' e-mails for a public update or resolution (made by a task after commit, `fan_out`),
and on resolution the managers' summary. A line on the incident's timeline says who was told.

Tenants that join an incident later (detection attaches them as their failures come in) get the
"opened" notice when they join, and every announcement after it."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.comms.models import Announcement, Delivery, Kind, Subscriber, TenantNotice
from apps.comms.services import outbox_mail, summary, templates, texts
from apps.core import db_context, outbox
from apps.core.tasks import publish
from apps.incidents.models import Incident, TimelineEntry
from apps.incidents.public import PUBLIC_SEVERITY, is_public
from apps.incidents.services.timeline import add_timeline_entry
from apps.tenants.models import Membership

FAN_OUT_BATCH = 1000
Audience = Delivery.Audience


@db_context.as_platform
def incident_opened(incident, now):
    with transaction.atomic():
        announcement, _ = _opened(incident, now)
        _tell_tenants(announcement, incident.affected_tenants.all(), now)
        _timeline(announcement, {}, now)
    return announcement


@db_context.as_platform
def public_update_changed(incident, now):
    """Nothing when the update was cleared or the incident is no longer open (the page shows neither)."""
    if not incident.public_update.strip() or not incident.is_open:
        return None
    with transaction.atomic():
        announcement = _create(incident, Kind.UPDATED, now, public=is_public(incident))
        told = _tell_tenants(announcement, incident.affected_tenants.all(), now)
        _timeline(announcement, told, now)
    return announcement


@db_context.as_platform
def incident_resolved(incident, now, note=""):
    with transaction.atomic():
        announcement = _create(incident, Kind.RESOLVED, now, public=is_public(incident))
        told = _tell_tenants(announcement, incident.affected_tenants.all(), now)
        told["summary"] = summary.queue(announcement, note, now)
        _timeline(announcement, told, now)
    return announcement


@db_context.as_platform
def tenants_joined(incident_id, tenant_ids, now=None):
    """Tenants newly affected by an open incident get its "opened" notice (once each)."""
    incident, now = Incident.objects.filter(pk=incident_id).first(), now or timezone.now()
    if incident is None or not incident.is_open or not tenant_ids:
        return 0
    with transaction.atomic():
        announcement, created = _opened(incident, now)
        told = _tell_tenants(announcement, incident.affected_tenants.filter(pk__in=tenant_ids), now)
        if told["notices"] and not created:  # at opening, `incident_opened` writes the timeline line
            _joined_timeline(announcement, told, now)
    return told["notices"]


def _opened(incident, now):
    """The incident's one "opened" announcement, and whether this call made it."""
    found = Announcement.objects.filter(incident=incident, kind=Kind.OPENED).first()
    if found:
        return found, False
    try:
        with transaction.atomic():
            return _create(incident, Kind.OPENED, now, public=False), True
    except IntegrityError:
        return Announcement.objects.get(incident=incident, kind=Kind.OPENED), False


def _create(incident, kind, now, *, public):
    announcement = Announcement.objects.create(
        incident=incident,
        kind=kind,
        public=public,
        impact=PUBLIC_SEVERITY.get(incident.severity, "Issue"),
        status_label=incident.get_status_display(),
        public_update=incident.public_update.strip(),
        occurred_at=now,
        fanned_out_at=None if public else now,
    )
    if public:
        transaction.on_commit(lambda: enqueue_fan_out(announcement.pk))
    return announcement


def _tell_tenants(announcement, tenants, now) -> dict:
    told, template = {"notices": 0, "owner_emails": 0}, templates.template_for(announcement.kind)
    for tenant in tenants:
        texts_for = templates.render(template, announcement, tenant)
        notice, created = TenantNotice.objects.get_or_create(
            tenant=tenant,
            announcement=announcement,
            defaults={"incident": announcement.incident, "kind": announcement.kind, "text": texts_for["notice"][:1000]},
        )
        if created:
            told["notices"] += 1
            told["owner_emails"] += _email_owners(notice, texts_for, now)
    return told


def _email_owners(notice, texts_for, now) -> int:
    rows = [
        Delivery(
            audience=Audience.OWNER,
            announcement=notice.announcement,
            notice=notice,
            tenant=notice.tenant,
            recipient=email,
            subject=texts_for["subject"][:300],
            body=texts_for["body"],
            created_at=now,
        )
        for email in owner_emails(notice.tenant)
    ]
    return outbox_mail.queue_many(rows) if rows else 0


def owner_emails(tenant) -> list[str]:
    owners = Membership.objects.filter(tenant=tenant, role=Membership.Role.OWNER, user__is_active=True)
    emails = {email.strip().lower() for email in owners.values_list("user__email", flat=True) if email}
    return sorted(emails)


def _timeline(announcement, told, now):
    """Counts what the announcement reached so far (at opening, a join may have told some first);
    writes nothing when it reached nobody."""
    owners = announcement.deliveries.filter(audience=Audience.OWNER).count()
    told = {**told, "notices": announcement.notices.count(), "owner_emails": owners}
    if not (told["notices"] or announcement.public or "summary" in told):
        return  # nobody to tell: no line on the timeline
    parts = [f"{told['notices']} tenant notice(s)", f"{told['owner_emails']} owner e-mail(s)"]
    if announcement.public:
        parts.append("status page subscribers' e-mails queued")
    if "summary" in told:
        parts.append(summary.describe(told["summary"]))
    add_timeline_entry(
        announcement.incident,
        TimelineEntry.Kind.NOTIFICATION,
        f"Stakeholders told ({announcement.get_kind_display().lower()}): {', '.join(parts)}",
        at=now,
        data={"announcement": announcement.pk, **{key: value for key, value in told.items() if key != "summary"}},
    )


def _joined_timeline(announcement, told, now):
    add_timeline_entry(
        announcement.incident,
        TimelineEntry.Kind.NOTIFICATION,
        f"Stakeholders told (tenants joined): {told['notices']} tenant notice(s), "
        f"{told['owner_emails']} owner e-mail(s)",
        at=now,
        data={"announcement": announcement.pk, **told},
    )


def enqueue_fan_out(announcement_id):
    from apps.comms.tasks import fan_out as task

    return publish(task, announcement_id)


@db_context.as_platform
def fan_out(announcement_id, now=None) -> int:
    """One delivery per subscriber confirmed when the announcement was made; run twice, it makes
    none the second time (the announcement is marked, the rows are unique)."""
    with transaction.atomic():
        announcement = (
            Announcement.objects.select_for_update(skip_locked=True)
            .select_related("incident")
            .filter(pk=announcement_id, fanned_out_at__isnull=True)
            .first()
        )
        if announcement is None:
            return 0
        made = _subscriber_rows(announcement, now or timezone.now())
        announcement.fanned_out_at = now or timezone.now()
        announcement.save(update_fields=["fanned_out_at"])
    return made


def _subscriber_rows(announcement, now) -> int:
    subject, body = texts.subscriber_email(announcement)
    subscribers = Subscriber.objects.filter(
        state=Subscriber.State.CONFIRMED, confirmed_at__lte=announcement.occurred_at
    ).values_list("pk", "email")
    made, batch = 0, []
    for pk, email in subscribers.iterator(chunk_size=FAN_OUT_BATCH):
        batch.append(_subscriber_row(announcement, pk, email, subject, body, now))
        if len(batch) == FAN_OUT_BATCH:
            made, batch = made + outbox_mail.queue_many(batch), []
    return made + (outbox_mail.queue_many(batch) if batch else 0)


def _subscriber_row(announcement, subscriber_id, email, subject, body, now):
    return Delivery(
        audience=Audience.SUBSCRIBER,
        announcement=announcement,
        subscriber_id=subscriber_id,
        recipient=email,
        subject=subject,
        body=body,
        created_at=now,
    )


def fan_out_late(now=None) -> int:
    """Publishes again the fan-outs the broker missed (public announcements not fanned out after
    a couple of minutes)."""
    now = now or timezone.now()
    late = Announcement.objects.filter(fanned_out_at__isnull=True, occurred_at__lt=now - outbox.REQUEUE_AFTER)
    ids = list(late.values_list("pk", flat=True)[:100])
    for pk in ids:
        enqueue_fan_out(pk)
    return len(ids)
