"""The Chatwoot sync: each active source's changed conversations and their new messages, into
ChatwootConversation and ChatwootMessage rows, then re-chunked.

A run lists the account's conversations with `status=all` (Chatwoot's default is only `open`),
newest activity first, page by page, and stops at the first one older than the source's watermark
minus CHATWOOT_SYNC_OVERLAP_MINUTES. A listed conversation whose activity and status are what is
stored is skipped; a changed one has its messages read with `after=<last synced message id>` (100 a
page) until a page comes back short. So a second run costs one list request when nothing changed.

Network calls happen outside transactions; a page's changed conversations (their messages and
cursors) are written in one short transaction and re-chunked together, and what was read before a
failure is written too, so the next run resumes after it. A failure is recorded on the source
(consecutive failures, last error), as a CHATWOOT_SYNC_FAILED event with the fix, and in the job's
error text: the endpoint, the HTTP status, the Chatwoot account and the inbox."""

import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.events import emit
from apps.integrations.chatwoot.client import (
    CONVERSATIONS_PER_PAGE,
    MESSAGES_AFTER_PAGE,
    NOT_CONFIGURED,
    NOT_FOUND,
    UNAUTHORIZED,
    ChatwootClient,
    ChatwootError,
)
from apps.knowledge import messages as message_rows
from apps.knowledge.models import ChatwootConversation, ProjectSource

logger = logging.getLogger("opsdesk.knowledge")
FIXES = {
    UNAUTHORIZED: "check the Chatwoot API token of the connection",
    NOT_FOUND: "check CHATWOOT account id (the connection's account_id) and that the token's user belongs to it",
    NOT_CONFIGURED: "complete the connection's base_url, account_id and API token",
}
DEFAULT_FIX = "check that Chatwoot answers at the connection's base_url, then run the sync again"
FAILING_AFTER = 3


class SyncFailed(Exception):
    """One or more sources failed; the message names each failure. `counts` are the run's counts."""

    def __init__(self, message, counts):
        super().__init__(message)
        self.counts = counts


@dataclass
class Tally:
    sources: int = 0
    failed_sources: int = 0
    conversations_listed: int = 0
    conversations_changed: int = 0
    messages_new: int = 0
    messages_updated: int = 0
    pages: int = 0
    requests: int = 0
    rechunk_ms: int = 0
    chunks: dict = field(default_factory=dict)

    def add(self, other: "Tally"):
        for name, value in vars(other).items():
            if name == "chunks":
                for key, count in value.items():
                    self.chunks[key] = self.chunks.get(key, 0) + count
            else:
                setattr(self, name, getattr(self, name) + value)

    def as_dict(self, started) -> dict:
        return {**vars(self), "chunks": dict(self.chunks), "duration_ms": round((time.perf_counter() - started) * 1000)}


# --- the job --------------------------------------------------------------------------------------


def sync_all(*, project_id=None, trigger="schedule") -> dict:
    """Syncs every active source (of one project with `project_id`). A failing source does not stop
    the others; when any failed, raises SyncFailed naming each failure after all have run."""
    started, total, errors = time.perf_counter(), Tally(), []
    for source in active_sources(project_id):
        try:
            total.add(_run(source))
        except _SourceFailed as failure:
            total.add(failure.tally)
            errors.append(failure.text)
    counts = total.as_dict(started)
    if errors:
        raise SyncFailed(" | ".join(errors), counts)
    return counts


def sync_source(source, *, trigger="schedule") -> dict:
    """Syncs one source now; returns its counts (raises SyncFailed on failure, after recording it)."""
    started = time.perf_counter()
    try:
        return _run(source).as_dict(started)
    except _SourceFailed as failure:
        raise SyncFailed(failure.text, failure.tally.as_dict(started)) from None


def active_sources(project_id=None):
    sources = ProjectSource.objects.filter(is_active=True, connection__is_active=True, connection__provider="chatwoot")
    if project_id is not None:
        sources = sources.filter(project_id=project_id)
    return list(sources.select_related("connection", "project", "tenant").order_by("pk"))


# --- one source -------------------------------------------------------------------------------------


class _SourceFailed(Exception):
    def __init__(self, text, tally):
        super().__init__(text)
        self.text, self.tally = text, tally


def _run(source) -> Tally:
    client, tally = ChatwootClient(source.connection), Tally(sources=1)
    run_started = timezone.now()
    inbox_id = None
    try:
        newest = source.watermark
        for inbox_id in source.inbox_ids or [None]:
            newest = _latest(newest, _sync_inbox(source, client, inbox_id, tally))
    except ChatwootError as exc:
        tally.requests, tally.failed_sources = client.requests, 1
        raise _SourceFailed(record_failure(source, exc, getattr(exc, "inbox_id", inbox_id)), tally) from None
    tally.requests = client.requests
    record_success(source, newest, run_started)
    return tally


def _sync_inbox(source, client, inbox_id, tally):
    """Lists this inbox's (or every inbox's) conversations newest first, a page at a time, and syncs
    each page's changed ones together; returns the newest activity seen."""
    cutoff = source.watermark - timedelta(minutes=settings.CHATWOOT_SYNC_OVERLAP_MINUTES) if source.watermark else None
    stored = _stored_conversations(source)
    newest, page = None, 1
    while True:
        listed = client.conversations(status="all", page=page, inbox_id=inbox_id)["payload"]
        tally.pages += 1
        recent = _until_cutoff(listed, cutoff)
        newest = _latest(newest, max((activity for _c, activity in recent), default=None))
        tally.conversations_listed += len(recent)
        changed = [
            (c, stored.get(int(c["id"]))) for c, activity in recent if _changed(stored.get(int(c["id"])), c, activity)
        ]
        sync_conversations(source, client, changed, tally)
        if len(recent) < len(listed) or len(listed) < CONVERSATIONS_PER_PAGE:
            return newest
        page += 1


def _until_cutoff(listed, cutoff) -> list:
    """(conversation, activity) pairs down to the first one older than the cutoff."""
    recent = []
    for conversation in listed:
        activity = message_rows.moment(_activity(conversation))
        if cutoff is not None and activity < cutoff:
            break
        recent.append((conversation, activity))
    return recent


def sync_conversations(source, client, changed, tally: Tally):
    """Reads each changed conversation's messages after its last synced one, then stores them all
    with the moved cursors in one transaction and re-chunks the conversations. When a read fails,
    what was read before it is stored first, so the next run resumes after it."""
    fetched = []
    try:
        for conversation, known in changed:
            fetched.append(_fetch(client, conversation, known, tally))
    finally:
        _store(source, fetched, tally)


def _fetch(client, conversation, known, tally) -> tuple[dict, list, int]:
    """(conversation, its new messages, the new cursor); a failure names the conversation's inbox."""
    conversation_id, after = int(conversation["id"]), known.last_message_id if known else 0
    fetched = []
    try:
        while True:
            page = client.messages(conversation_id, after=after)
            tally.pages += 1
            fetched.extend(page)
            after = max([after, *(int(m["id"]) for m in page)])
            if len(page) < MESSAGES_AFTER_PAGE:
                return conversation, fetched, after
    except ChatwootError as exc:
        exc.inbox_id = conversation.get("inbox_id")
        raise


def _store(source, fetched, tally):
    if not fetched:
        return
    rows = [message_rows.row(source, c["id"], m) for c, messages, _after in fetched for m in messages]
    with transaction.atomic():
        stored = message_rows.upsert(source, rows)
        _save_conversations(source, [(c, after) for c, _messages, after in fetched])
    tally.conversations_changed += len(fetched)
    tally.messages_new += stored["new"]
    tally.messages_updated += stored["updated"]
    started = time.perf_counter()
    for key, count in rechunk(source, [int(c["id"]) for c, _m, _a in fetched]).items():
        tally.chunks[key] = tally.chunks.get(key, 0) + count
    tally.rechunk_ms += round((time.perf_counter() - started) * 1000)


def rechunk(source, conversation_ids) -> dict:
    """Cuts the conversations' chunks again (apps.knowledge.chunking, owned by the embeddings part)."""
    from apps.knowledge import chunking

    return chunking.rechunk(source, conversation_ids) or {}


def _save_conversations(source, pairs):
    """One INSERT … ON CONFLICT (source, conversation_id) DO UPDATE for the page's conversations."""
    now = timezone.now()
    ChatwootConversation.objects.bulk_create(
        [_conversation_row(source, conversation, after, now) for conversation, after in pairs],
        update_conflicts=True,
        unique_fields=["source", "conversation_id"],
        update_fields=["inbox_id", "status", "contact_name", "last_activity_at", "last_message_id", "synced_at"],
    )


def _conversation_row(source, conversation, last_message_id, now) -> ChatwootConversation:
    contact = (conversation.get("meta") or {}).get("sender") or {}
    return ChatwootConversation(
        tenant_id=source.tenant_id,
        project_id=source.project_id,
        source=source,
        conversation_id=int(conversation["id"]),
        inbox_id=conversation.get("inbox_id"),
        status=str(conversation.get("status") or "")[:16],
        contact_name=str(contact.get("name") or "")[:255],
        last_activity_at=message_rows.moment(_activity(conversation)),
        last_message_id=last_message_id,
        synced_at=now,
    )


def _stored_conversations(source) -> dict:
    return {c.conversation_id: c for c in ChatwootConversation.objects.filter(source=source)}


def _changed(known, conversation, activity) -> bool:
    if known is None or known.last_activity_at is None:
        return True
    return activity > known.last_activity_at or known.status != (conversation.get("status") or "")


def _activity(conversation):
    """`last_activity_at` (Chatwoot 2.x and later), or `timestamp`, which the list has always carried."""
    return conversation.get("last_activity_at") or conversation.get("timestamp")


def _latest(a, b):
    return max(x for x in (a, b) if x is not None) if (a or b) else None


# --- recording the outcome ----------------------------------------------------------------------


def record_success(source, newest, run_started):
    ProjectSource.objects.filter(pk=source.pk).update(
        watermark=newest,
        last_sync_at=run_started,
        last_success_at=timezone.now(),
        consecutive_failures=0,
        last_error="",
    )
    source.refresh_from_db()


def record_failure(source, exc: ChatwootError, inbox_id) -> str:
    """Counts the failure on the source, emits CHATWOOT_SYNC_FAILED with the fix, returns the text."""
    text = failure_text(source, exc, inbox_id)
    with transaction.atomic():
        locked = ProjectSource.objects.select_for_update().get(pk=source.pk)
        locked.consecutive_failures += 1
        locked.last_error, locked.last_sync_at = text, timezone.now()
        locked.save(update_fields=["consecutive_failures", "last_error", "last_sync_at"])
    source.consecutive_failures, source.last_error = locked.consecutive_failures, text
    emit(
        "CHATWOOT_SYNC_FAILED",
        tenant=source.tenant,
        message=text,
        source="knowledge.sync",
        meta={
            "endpoint": exc.endpoint,
            "http_status": exc.status,
            "kind": exc.kind,
            "chatwoot_account_id": source.connection.setting("account_id"),
            "inbox_id": inbox_id,
            "project_id": source.project_id,
            "project": source.project.slug,
            "source_id": source.pk,
            "connection_id": str(source.connection_id),
            "consecutive_failures": locked.consecutive_failures,
            "fix": fix_for(exc),
        },
    )
    logger.warning("chatwoot sync failed: %s", text)
    return text


def failure_text(source, exc: ChatwootError, inbox_id) -> str:
    account = source.connection.setting("account_id") or "?"
    inbox = inbox_id if inbox_id is not None else "all"
    return (
        f"{exc.describe()} — Chatwoot account {account}, inbox {inbox}; project {source.project.slug!r} "
        f"(source {source.pk}, connection {source.connection.name!r}). Fix: {fix_for(exc)}."
    )


def fix_for(exc: ChatwootError) -> str:
    return FIXES.get(exc.kind, DEFAULT_FIX)


def is_failing(source) -> bool:
    return source.is_active and source.consecutive_failures >= FAILING_AFTER


def problems(connection) -> list[str]:
    """What the connection's health check reports: each active source of it failing
    FAILING_AFTER runs in a row or more, with its last error."""
    failing = ProjectSource.objects.filter(
        connection=connection, is_active=True, consecutive_failures__gte=FAILING_AFTER
    ).select_related("project")
    return [
        f"the knowledge sync of project {s.project.slug!r} failed {s.consecutive_failures} runs in a row "
        f"(last: {s.last_error})"
        for s in failing
    ]
