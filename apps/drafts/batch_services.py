"""The batch form of `services.on_chatwoot_message`, for the inbox's `chatwoot_messages` signal: one
connection's payloads, in order, with the effect of handing each to `on_chatwoot_message` in turn.

Customers' messages, the bulk of any batch, are taken a run at a time with a fixed number of
statements whatever the run's length: the connection's draft-enabled sources (one query), the newest
draft of each conversation and the drafts these messages already have (one query each), one UPDATE
that supersedes, one INSERT for the new drafts, and one on-commit hook that publishes their drafting
tasks. The walk in between replays the single path's decisions in memory, message by message. An
agent's reply or command reads what the messages before it wrote, so it ends the run and goes
through the single path in its place."""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from apps.drafts import messages, services
from apps.drafts.models import AIDraft
from apps.knowledge import feed
from apps.knowledge.models import ProjectSource

S = AIDraft.Status
WROTE_AGAIN = "The customer wrote again."
NOTHING_FOR_DRAFTS = (messages.CUSTOMER, messages.OTHER)


def on_chatwoot_messages(connection, payloads) -> int:
    """Runs in the inbox's transaction for one connection's `message_created` payloads; returns
    drafts queued or touched, as the single path's calls would have added up."""
    touched, run = 0, []
    for payload in payloads:
        seen = messages.read(payload)
        if seen.kind in NOTHING_FOR_DRAFTS:
            run.append((seen, payload))
            continue
        touched += customers_wrote(connection, run) + services.on_chatwoot_message(connection, payload)
        run = []
    return touched + customers_wrote(connection, run)


def customers_wrote(connection, run) -> int:
    """`services._customer_wrote` for each customer message of `run`, in order, set-based."""
    wrote = [(seen, payload) for seen, payload in run if seen.kind == messages.CUSTOMER]
    if not wrote:
        return 0
    walk = Walk(connection, wrote)
    for seen, payload in wrote:
        walk.customer_wrote(seen, payload)
    walk.write()
    return len(walk.queued())


@dataclass
class Walk:
    """The single path's reads, done once for the run, and its writes, collected in memory."""

    connection: object
    wrote: list
    sources: list = field(init=False)
    stored_top: dict = field(init=False)
    top: dict = field(init=False)
    existing: set = field(init=False)
    threshold: dict = field(default_factory=dict)
    new: dict = field(default_factory=dict)

    def __post_init__(self):
        conversations = {seen.conversation_id for seen, _payload in self.wrote}
        self.sources = drafting_sources(self.connection)
        self.stored_top = newest_draft_by_conversation(self.connection, conversations)
        self.top = dict(self.stored_top)
        message_ids = {seen.message_id for seen, _payload in self.wrote}
        self.existing = drafts_of_messages(self.sources, message_ids) if self.sources else set()

    def customer_wrote(self, seen, payload):
        """Supersedes the conversation's older drafts; queues drafts unless a newer one is there."""
        conversation, message_id = seen.conversation_id, seen.message_id
        self.threshold[conversation] = max(self.threshold.get(conversation, message_id), message_id)
        self._supersede_new(conversation, message_id)
        if self.top.get(conversation, message_id) > message_id:
            return
        for source in self._drafting(seen.inbox_id):
            self._queue(source, seen, payload)

    def _supersede_new(self, conversation, message_id):
        for draft in self.new.values():
            if draft.conversation_id == conversation and draft.message_id < message_id and draft.status in AIDraft.OPEN:
                draft.status, draft.status_reason, draft.closed_at = S.SUPERSEDED, WROTE_AGAIN, timezone.now()

    def _drafting(self, inbox_id):
        return [
            source
            for source in self.sources
            if feed.reads(source, inbox_id) and source.draft_settings.reads_inbox(inbox_id)
        ]

    def _queue(self, source, seen, payload):
        key = (source.pk, seen.message_id)
        if key in self.existing or key in self.new:
            return
        fields = services.draft_fields(source, seen, payload)
        self.new[key] = AIDraft(source=source, message_id=seen.message_id, **fields)
        self.top[seen.conversation_id] = max(self.top.get(seen.conversation_id, seen.message_id), seen.message_id)

    def queued(self) -> list:
        return list(self.new.values())

    def write(self):
        """One UPDATE for the stored drafts the run superseded, one INSERT for its new drafts, and
        their drafting tasks published once the inbox's transaction commits."""
        older = [
            Q(conversation_id=conversation, message_id__lt=self.threshold[conversation])
            for conversation in self.stored_top
        ]
        if older:
            stored = AIDraft.objects.filter(source__connection=self.connection)
            services.supersede(stored.filter(_any(older)), reason=WROTE_AGAIN)
        if self.new:
            created = AIDraft.objects.bulk_create(self.queued())
            to_draft = [draft.pk for draft in created if draft.status == S.QUEUED]
            transaction.on_commit(lambda: publish_drafting(to_draft))


def drafting_sources(connection) -> list:
    """The connection's active sources with drafts on, in `feed.reading_sources`' order."""
    sources = ProjectSource.objects.filter(connection=connection, is_active=True, draft_settings__enabled=True)
    return list(sources.select_related("draft_settings"))


def newest_draft_by_conversation(connection, conversations) -> dict:
    """{conversation id: the highest message id with a draft} over every source of the connection."""
    rows = (
        AIDraft.objects.filter(source__connection=connection, conversation_id__in=conversations)
        .order_by()
        .values("conversation_id")
        .annotate(top=Max("message_id"))
    )
    return {row["conversation_id"]: row["top"] for row in rows}


def drafts_of_messages(sources, message_ids) -> set:
    rows = AIDraft.objects.filter(source__in=sources, message_id__in=message_ids)
    return set(rows.values_list("source_id", "message_id"))


def publish_drafting(draft_ids):
    from apps.core.tasks import publish
    from apps.drafts import tasks

    for draft_id in draft_ids:
        publish(tasks.draft_message, draft_id)


def _any(conditions):
    combined = conditions[0]
    for condition in conditions[1:]:
        combined |= condition
    return combined
