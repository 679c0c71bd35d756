"""AI drafts' operations, the one way in for every change of a draft or its settings.

The loop: a customer's message → `queue_for_message` (one row per source and message, in the
inbox's transaction) → the task runs `draft_for_message` (claim, search, AI, note, record) →
an agent approves (`approve`, from Chatwoot's `/approve` note or an Opsdesk page) → the task runs
`publish` (claim, look whether an earlier attempt got there, send, record). `reject` and
`supersede` close open drafts. Network calls happen outside the short claim and record
transactions; a failed call is a CHATWOOT_SEND_FAIL event and a retry after a backoff."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.ai import services as ai
from apps.ai.models import Feature
from apps.core import backoff
from apps.core.errors import ServiceError
from apps.drafts import evidence, messages, sending
from apps.drafts.models import AIDraft, DraftSettings
from apps.events import audit, emit
from apps.knowledge import feed
from apps.knowledge.messages import moment
from apps.knowledge.search import SearchUnavailable
from apps.tenants import policy

S = AIDraft.Status
SEND_FAIL = "CHATWOOT_SEND_FAIL"
NO_KNOWLEDGE = "AI_DRAFT_NO_KNOWLEDGE"


class DraftError(ServiceError):
    status_code = 409


@dataclass(frozen=True)
class ChatwootAgent:
    """A Chatwoot agent who approved or rejected a draft from Chatwoot itself."""

    id: int | None
    name: str

    def __str__(self):
        return f"{self.name or 'an agent'} (Chatwoot agent {self.id})"


@dataclass(frozen=True)
class Outcome:
    """What a task run did: `name` (proposed, published, retry, skipped…) and, for a retry, when."""

    name: str
    retry_in: float | None = None


# --- settings ---------------------------------------------------------------------------------------


def settings_of(source) -> DraftSettings:
    """The source's draft settings, or the defaults (off) unsaved when nobody has set any."""
    found = DraftSettings.objects.filter(source=source).first()
    return found or DraftSettings(source=source, tenant_id=source.tenant_id)


SETTING_FIELDS = ("enabled", "inbox_ids", "system_prompt", "tone", "min_score", "min_hits")


def update_settings(source, *, by=None, request=None, **values) -> DraftSettings:
    """Changes the source's draft settings (only SETTING_FIELDS), audited with before and after."""
    unknown = set(values) - set(SETTING_FIELDS)
    if unknown:
        raise ServiceError(f"Unknown draft settings: {', '.join(sorted(unknown))}.", code="unknown_setting")
    with transaction.atomic():
        DraftSettings.objects.get_or_create(source=source, defaults={"tenant_id": source.tenant_id})
        row = DraftSettings.objects.select_for_update().get(source=source)
        before = _settings_json(row)
        for name, value in _checked(values).items():
            setattr(row, name, value)
        row.updated_by = str(getattr(by, "get_username", lambda: by or "")())[:255]
        row.save()
        after = _settings_json(row)
        audit.record(
            "drafts.settings",
            actor=by if hasattr(by, "pk") else None,
            actor_label="" if hasattr(by, "pk") else str(by or "system"),
            tenant=source.tenant,
            target=row,
            before=before,
            after=after,
            request=request,
        )
    return row


def _checked(values) -> dict:
    if "min_score" in values and not 0 <= float(values["min_score"]) <= 1:
        raise ServiceError("The minimum search score is from 0 to 1.", code="bad_min_score")
    if "min_hits" in values and not 1 <= int(values["min_hits"]) <= 5:
        raise ServiceError("The minimum number of hits is from 1 to 5.", code="bad_min_hits")
    if "system_prompt" in values and not str(values["system_prompt"]).strip():
        raise ServiceError("The draft's instructions (system prompt) cannot be empty.", code="empty_prompt")
    if "inbox_ids" in values:
        values = {**values, "inbox_ids": sorted({int(i) for i in values["inbox_ids"]})}
    return values


def _settings_json(row) -> dict:
    return {name: str(getattr(row, name)) if name == "min_score" else getattr(row, name) for name in SETTING_FIELDS}


# --- what a Chatwoot message means -------------------------------------------------------------------


def on_chatwoot_message(connection, payload) -> int:
    """Runs in the inbox's transaction for each `message_created`; returns drafts queued or touched."""
    seen = messages.read(payload)
    handler = {
        messages.CUSTOMER: _customer_wrote,
        messages.AGENT_REPLY: _agent_replied,
        messages.APPROVE: _approve_command,
        messages.REJECT: _reject_command,
    }.get(seen.kind)
    return handler(connection, seen, payload) if handler else 0


def conversation_drafts(connection, conversation_id):
    return AIDraft.objects.filter(source__connection=connection, conversation_id=conversation_id)


def _customer_wrote(connection, seen, payload) -> int:
    """Supersedes the conversation's older drafts and queues this message's; a message delivered
    after a newer one of the same conversation (webhooks may arrive out of order) gets none."""
    drafts = conversation_drafts(connection, seen.conversation_id)
    supersede(drafts.filter(message_id__lt=seen.message_id), reason="The customer wrote again.")
    if drafts.filter(message_id__gt=seen.message_id).exists():
        return 0
    sources = [s for s in feed.reading_sources(connection, seen.inbox_id) if _drafts_on(s, seen.inbox_id)]
    return sum(queue_for_message(source, seen, payload) for source in sources)


def _drafts_on(source, inbox_id) -> bool:
    found = DraftSettings.objects.filter(source=source, enabled=True).first()
    return found is not None and found.reads_inbox(inbox_id)


def queue_for_message(source, seen, payload) -> int:
    """One draft row per source and message (a repeated delivery finds the first); the drafting task
    is published once the inbox's transaction commits. Returns 1 when this call created it."""
    draft, created = AIDraft.objects.get_or_create(
        source=source, message_id=seen.message_id, defaults=draft_fields(source, seen, payload)
    )
    if created:
        transaction.on_commit(lambda: _publish_task("draft_message", draft.pk))
    return int(created)


def draft_fields(source, seen, payload) -> dict:
    """What a new draft for this customer message holds besides its source and message id."""
    return {
        "tenant_id": source.tenant_id,
        "project_id": source.project_id,
        "conversation_id": seen.conversation_id,
        "inbox_id": seen.inbox_id,
        "contact_id": f"chatwoot:{seen.sender_id}" if seen.sender_id is not None else "",
        "message_text": seen.content[:10_000],
        "message_at": moment(payload.get("created_at")),
    }


def _agent_replied(connection, seen, payload) -> int:
    """An agent's public reply: our own published draft (recorded if its sender had not yet), or a
    reply by hand, which supersedes the conversation's open drafts."""
    drafts = conversation_drafts(connection, seen.conversation_id)
    ours = drafts.filter(
        Q(published_message_id=seen.message_id)
        | Q(status__in=[*AIDraft.SENDING, S.PUBLISHED], approved_text=seen.content.strip())
    ).first()
    if ours is not None:
        return mark_published(ours.pk, seen.message_id)
    return supersede(drafts, reason=f"{seen.sender_name or 'An agent'} answered by hand.")


def latest_proposed(connection, conversation_id) -> AIDraft | None:
    return conversation_drafts(connection, conversation_id).filter(status=S.PROPOSED).order_by("-message_id").first()


def _approve_command(connection, seen, payload) -> int:
    draft = latest_proposed(connection, seen.conversation_id)
    if draft is None:
        return 0
    approve(draft, by=ChatwootAgent(seen.sender_id, seen.sender_name), text=seen.argument or None)
    return 1


def _reject_command(connection, seen, payload) -> int:
    draft = latest_proposed(connection, seen.conversation_id)
    if draft is None:
        return 0
    reject(draft, by=ChatwootAgent(seen.sender_id, seen.sender_name), reason=seen.argument)
    return 1


# --- people's decisions --------------------------------------------------------------------------------


def approve(draft, *, by, text=None, request=None) -> AIDraft:
    """Approves the draft (as it is, or with `text` instead) and publishes it: the reply is sent by
    the publish task once this commits. Approving a draft already approved or sent changes nothing."""
    with transaction.atomic():
        row = AIDraft.objects.select_for_update().get(pk=draft.pk)
        if row.status in (*AIDraft.SENDING, S.PUBLISHED):
            return row
        if row.status not in (S.PROPOSED, S.FAILED) or not row.text:
            raise DraftError(
                f"This draft is {row.get_status_display().lower()}; it cannot be approved.", code="not_approvable"
            )
        final = (text or "").strip() or row.text.strip()
        _decided_by(row, by)
        row.status, row.approved_text, row.edited = S.APPROVED, final, final != row.text.strip()
        row.approved_at = row.next_attempt_at = timezone.now()
        row.attempts, row.failure_stage, row.last_error = 0, "", ""
        row.save()
        _audit("drafts.approve", row, by, request, {"edited": row.edited, "text": final})
        transaction.on_commit(lambda: _publish_task("publish_draft", row.pk))
    return row


def reject(draft, *, by, reason="", request=None) -> AIDraft:
    """Rejects an open draft; rejecting it again changes nothing; a sent one cannot be rejected."""
    with transaction.atomic():
        row = AIDraft.objects.select_for_update().get(pk=draft.pk)
        if row.status == S.REJECTED:
            return row
        if row.status not in (*AIDraft.OPEN, S.APPROVED, S.FAILED):
            raise DraftError(
                f"This draft is {row.get_status_display().lower()}; it cannot be rejected.", code="not_rejectable"
            )
        _decided_by(row, by)
        row.status, row.status_reason, row.closed_at = S.REJECTED, (reason or "")[:500], timezone.now()
        row.save()
        _audit("drafts.reject", row, by, request, {"reason": row.status_reason})
    return row


def supersede(drafts, *, reason) -> int:
    """Closes the open drafts among `drafts` (a queryset or one draft): a newer message made them moot."""
    if isinstance(drafts, AIDraft):
        drafts = AIDraft.objects.filter(pk=drafts.pk)
    return drafts.filter(status__in=AIDraft.OPEN).update(
        status=S.SUPERSEDED, status_reason=reason[:500], closed_at=timezone.now()
    )


def _decided_by(row, by):
    is_user = hasattr(by, "get_username")
    row.approved_by_user = by if is_user else None
    row.approved_by = (by.get_username() if is_user else str(by or "system"))[:255]
    row.approved_by_agent_id = getattr(by, "id", None) if isinstance(by, ChatwootAgent) else None


def _audit(action, row, by, request, after):
    actor = by if hasattr(by, "get_username") else None
    audit.record(
        action,
        actor=actor,
        actor_label=row.approved_by,
        tenant=row.tenant,
        target=row,
        after={"status": row.status, **after},
        request=request,
    )


# --- the drafting task's body ------------------------------------------------------------------------------


def draft_for_message(draft_id) -> Outcome:
    """Claims a queued draft and writes it: search, floor, AI, private note. Runs twice to the effect
    of once: the claim skips a draft another worker holds or that is already done."""
    draft = _claim(draft_id, [S.QUEUED], S.DRAFTING)
    if draft is None:
        return Outcome("skipped")
    if not draft.text:
        closed = _refused_by_manual_mode(draft) or _write(draft)
        if closed is not None:
            return closed
    return _post_note(draft)


def _refused_by_manual_mode(draft) -> Outcome | None:
    """In fallback manual mode people answer: no search, no AI call, the draft says why."""
    decision = policy.manual_mode(draft.tenant)
    if decision:
        return None
    _close(draft, S.NOT_DRAFTED, f"No draft: {decision.reason}")
    return Outcome("not_drafted")


def _write(draft) -> Outcome | None:
    """Fills the draft's text from the knowledge and the AI, or closes it (None when written)."""
    draft_settings = settings_of(draft.source)
    turns = evidence.turns(draft, evidence.history(draft))
    try:
        found = evidence.find(draft, draft_settings, evidence.query_of(turns))
    except SearchUnavailable as exc:
        return _failed(draft, "search", exc.message, retry=True)
    if not found.enough:
        return _no_knowledge(draft, found, draft_settings)
    completion = ai.complete(
        draft.tenant, Feature.DRAFT, evidence.prompt(draft_settings, found, turns), contact_id=draft.contact_id
    )
    fields = {
        "query": found.query,
        "search_hits": found.hits,
        "sources": found.sources,
        "ai_request_id": completion.request_id,
    }
    if not completion.ok:
        _close(draft, S.NOT_DRAFTED, f"The AI gave no draft: {completion.message}", **fields)
        return Outcome("not_drafted")
    _store(draft, text=completion.text.strip(), **fields)
    return None


def _no_knowledge(draft, found, draft_settings) -> Outcome:
    reason = (
        f"Search found {len(found.used)} conversation(s) at or above score {draft_settings.min_score} "
        f"(needs {draft_settings.min_hits}); no draft was written."
    )
    _close(draft, S.NO_KNOWLEDGE, reason, query=found.query, search_hits=found.hits)
    emit(
        NO_KNOWLEDGE,
        tenant=draft.tenant,
        message=reason,
        source=f"drafts:{draft.source_id}",
        meta={"draft_id": draft.pk, "conversation_id": draft.conversation_id, "query": found.query[:200]},
    )
    return Outcome("no_knowledge")


def _post_note(draft) -> Outcome:
    content = evidence.note(draft.text, draft.sources)
    try:
        posted = _already_posted(draft, content, private=True) or sending.post(draft, content, private=True)
    except sending.ChatwootError as exc:
        return _failed(draft, "note", exc.describe(), retry=sending.retryable(exc))
    proposed = AIDraft.objects.filter(pk=draft.pk, status=S.DRAFTING).update(
        status=S.PROPOSED, note_id=posted["id"], proposed_at=timezone.now(), last_error="", next_attempt_at=None
    )
    if not proposed:
        AIDraft.objects.filter(pk=draft.pk).update(note_id=posted["id"])
    return Outcome("proposed" if proposed else "closed_meanwhile")


def _already_posted(draft, content, *, private) -> dict | None:
    """After a failed or interrupted attempt, the message that attempt may have posted after all."""
    if not draft.tried_before:
        return None
    return sending.find_posted(draft, content, private=private)


# --- publishing ----------------------------------------------------------------------------------------------


def publish(draft) -> Outcome:
    """Sends an approved draft's reply once: claims it (approved → publishing), looks whether an
    earlier attempt already got the reply into Chatwoot, sends it if not, records it."""
    draft = _claim(getattr(draft, "pk", draft), [S.APPROVED], S.PUBLISHING, first_publish=True)
    if draft is None:
        return Outcome("skipped")
    try:
        posted = _already_posted(draft, draft.approved_text, private=False) or sending.post(
            draft, draft.approved_text, private=False
        )
    except sending.ChatwootError as exc:
        return _failed(draft, "publish", exc.describe(), retry=sending.retryable(exc))
    mark_published(draft.pk, posted["id"])
    return Outcome("published")


def mark_published(draft_id, message_id) -> int:
    """Records the reply's Chatwoot id (from the send's answer or from the reply's own webhook,
    whichever comes first) and audits the publication once."""
    with transaction.atomic():
        changed = AIDraft.objects.filter(pk=draft_id, status__in=AIDraft.SENDING).update(
            status=S.PUBLISHED,
            published_message_id=message_id,
            published_at=timezone.now(),
            last_error="",
            next_attempt_at=None,
        )
        if changed:
            row = AIDraft.objects.select_related("tenant", "approved_by_user").get(pk=draft_id)
            audit.record(
                "drafts.publish",
                actor=row.approved_by_user,
                actor_label=row.approved_by,
                tenant=row.tenant,
                target=row,
                after={"message_id": message_id, "approved_by": row.approved_by, "edited": row.edited},
            )
    return changed


# --- claims, failures and records ------------------------------------------------------------------------------


def _claim(draft_id, statuses, working, first_publish=False) -> AIDraft | None:
    """In one short transaction: the draft if it is due in one of `statuses` (or was left in
    `working` by a worker that died), now marked `working` with one more attempt."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.DRAFTS_CLAIM_STALE_S)
    due = Q(status__in=statuses) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    with transaction.atomic():
        draft = (
            AIDraft.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(due | Q(status=working, claimed_at__lt=stale), pk=draft_id)
            .select_related("source__connection", "tenant", "project")
            .first()
        )
        if draft is None:
            return None
        draft.tried_before = draft.publish_started_at is not None if first_publish else draft.attempts > 0
        draft.status, draft.claimed_at, draft.attempts = working, now, draft.attempts + 1
        if first_publish and draft.publish_started_at is None:
            draft.publish_started_at = now
        draft.save(update_fields=["status", "claimed_at", "attempts", "publish_started_at"])
    return draft


def _failed(draft, stage, error, *, retry) -> Outcome:
    """A step that failed: tried again after a backoff while attempts remain, else the draft fails."""
    back = S.APPROVED if stage == "publish" else S.QUEUED
    again = retry and draft.attempts < settings.DRAFTS_MAX_ATTEMPTS
    delay = (
        backoff.backoff_seconds(draft.attempts, base=settings.DRAFTS_BACKOFF_BASE_S, cap=settings.DRAFTS_BACKOFF_MAX_S)
        if again
        else None
    )
    now = timezone.now()
    AIDraft.objects.filter(pk=draft.pk, status__in=[S.DRAFTING, S.PUBLISHING]).update(
        status=back if again else S.FAILED,
        failure_stage=stage,
        last_error=error[:2000],
        next_attempt_at=now + timedelta(seconds=delay) if again else None,
        failed_at=None if again else now,
    )
    if stage != "search":
        _send_failed(draft, stage, error, delay)
    return Outcome("retry" if again else "failed", retry_in=delay)


def _send_failed(draft, stage, error, delay):
    what = "the draft note" if stage == "note" else "the approved reply"
    then = f"trying again in {delay:.0f} s" if delay is not None else "giving up after the last attempt"
    meta = {"draft_id": draft.pk, "stage": stage, "attempt": draft.attempts, "conversation_id": draft.conversation_id}
    message = f"Chatwoot refused {what} of draft {draft.pk}: {error} ({then})."
    emit(SEND_FAIL, tenant=draft.tenant, message=message, source=f"drafts:{draft.source_id}", meta=meta)


def _close(draft, status, reason, **fields):
    AIDraft.objects.filter(pk=draft.pk, status=S.DRAFTING).update(
        status=status, status_reason=reason[:500], closed_at=timezone.now(), **fields
    )


def _store(draft, **fields):
    AIDraft.objects.filter(pk=draft.pk).update(**fields)
    for name, value in fields.items():
        setattr(draft, name, value)


# --- the sweeper ------------------------------------------------------------------------------------------------


def due_ids(now=None) -> dict[str, list[int]]:
    """Drafts whose task was lost or whose retry is due: {"draft_message": ids, "publish_draft": ids}.
    A claim left by a worker that stopped on each of the allowed attempts fails the draft instead."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.DRAFTS_CLAIM_STALE_S)
    _give_up_stuck(stale, now)
    due = Q(next_attempt_at__isnull=True, created_at__lt=stale) | Q(next_attempt_at__lte=now)

    def ids(waiting, working):
        rows = AIDraft.objects.filter((Q(status=waiting) & due) | Q(status=working, claimed_at__lt=stale))
        return list(rows.values_list("pk", flat=True)[:500])

    return {"draft_message": ids(S.QUEUED, S.DRAFTING), "publish_draft": ids(S.APPROVED, S.PUBLISHING)}


def _give_up_stuck(stale, now) -> int:
    stuck = AIDraft.objects.filter(
        status__in=[S.DRAFTING, S.PUBLISHING], claimed_at__lt=stale, attempts__gte=settings.DRAFTS_MAX_ATTEMPTS
    )
    error = f"The worker stopped during each of {settings.DRAFTS_MAX_ATTEMPTS} attempts; approve it again to retry."
    return stuck.update(status=S.FAILED, last_error=error, failed_at=now, next_attempt_at=None)


def _publish_task(name, draft_id):
    from apps.core.tasks import publish as publish_task
    from apps.drafts import tasks

    publish_task(getattr(tasks, name), draft_id)
