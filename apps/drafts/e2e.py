"""The `support_loop_e2e` check: the support runbook's recovery checklist, run against a tenant's
real Chatwoot (the connection of a project source with AI drafts on).

Steps, each timed and bounded by SUPPORT_LOOP_E2E_TIMEOUT_S: open a test conversation in the test
inbox, post a customer's message through the API, see Chatwoot's webhook reach Opsdesk's inbox and
get processed, see the AI draft appear in Chatwoot as a private note, approve it (through the
drafts service, audited as the check) and see the reply stored in Chatwoot as an outgoing message.
The test conversation is resolved afterwards whatever happened. A failure names its step:
"webhook delivered: the webhook never arrived within 60 s".

The test inbox is the connection's setting `support_loop_inbox_id`, else the first inbox the drafts
read; the message is its setting `support_loop_question`, else SUPPORT_LOOP_E2E_QUESTION (it should
be a question the project's knowledge answers). Artefacts are marked: the contact is named
"Opsdesk support-loop check" and the conversation carries `opsdesk_check: support_loop_e2e`."""

import time
from dataclasses import asdict, dataclass

from django.conf import settings

from apps.drafts import services
from apps.drafts.models import AIDraft, DraftSettings
from apps.health.checks import CheckFailed, CheckSkipped, check
from apps.integrations.chatwoot.client import ChatwootClient, ChatwootError
from apps.integrations.models import InboundEvent

NAME = "support_loop_e2e"
CONTACT_NAME = "Opsdesk support-loop check"
MARK = {"opsdesk_check": NAME}
APPROVER = "support_loop_e2e check"
S = AIDraft.Status
DRAFT_DEAD_ENDS = (S.NO_KNOWLEDGE, S.NOT_DRAFTED, S.FAILED, S.REJECTED, S.SUPERSEDED)


class StepFailed(Exception):
    pass


@dataclass
class Step:
    name: str
    status: str
    seconds: float
    detail: str


class LoopRun:
    """One run of the checklist over one source; `steps` is the evidence, in order."""

    def __init__(self, source, *, timeout: float, interval: float = 0.2):
        self.source, self.timeout, self.interval = source, timeout, interval
        self.client = ChatwootClient(source.connection)
        self.steps: list[Step] = []
        self.conversation_id = self.message_id = self.draft = None

    def step(self, name, func):
        started = time.monotonic()
        try:
            detail = func()
        except (StepFailed, ChatwootError, services.DraftError) as exc:
            self._record(name, "fail", started, _reason(exc))
            raise StepFailed(f"{name}: {_reason(exc)}") from exc
        self._record(name, "pass", started, detail)

    def _record(self, name, status, started, detail):
        self.steps.append(Step(name, status, round(time.monotonic() - started, 2), str(detail)[:500]))

    def wait(self, probe, never: str):
        """Calls `probe` until it returns something truthy; StepFailed(`never` within N s) if not."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            found = probe()
            if found:
                return found
            time.sleep(self.interval)
        raise StepFailed(f"{never} within {self.timeout:g} s")

    @property
    def value(self) -> dict:
        return {"conversation_id": self.conversation_id, "steps": [asdict(step) for step in self.steps]}


def _reason(exc) -> str:
    return exc.describe() if isinstance(exc, ChatwootError) else getattr(exc, "message", None) or str(exc)


# --- the steps ------------------------------------------------------------------------------------


def open_conversation(run: LoopRun, inbox_id: int) -> str:
    contact = run.client.create_contact(inbox_id, CONTACT_NAME)
    conversation = run.client.create_conversation(inbox_id, contact["id"], additional_attributes=MARK)
    run.conversation_id = int(conversation["id"])
    return f"conversation {run.conversation_id} in inbox {inbox_id}"


def post_question(run: LoopRun, question: str) -> str:
    message = run.client.create_message(run.conversation_id, question, message_type="incoming")
    run.message_id = int(message["id"])
    return f"message {run.message_id}"


def webhook_processed(run: LoopRun) -> str:
    rows = InboundEvent.objects.filter(
        connection=run.source.connection, external_id=f"message_created:{run.message_id}"
    )
    row = run.wait(lambda: rows.first(), "the webhook never arrived")
    late = f"the webhook arrived (event {row.pk}) but was not processed"
    done = run.wait(lambda: _processed(rows.get(pk=row.pk)), late)
    return f"inbound event {done.pk} processed"


def _processed(row):
    if row.status == InboundEvent.Status.DEAD_LETTERED:
        raise StepFailed(f"the webhook was dead-lettered (event {row.pk}): {row.last_error[:200]}")
    return row if row.status == InboundEvent.Status.PROCESSED else None


def draft_note(run: LoopRun) -> str:
    drafts = AIDraft.objects.filter(source=run.source, message_id=run.message_id)
    run.draft = run.wait(lambda: _proposed(drafts.first()), "no AI draft was proposed")
    if not any(m.get("id") == run.draft.note_id and m.get("private") for m in run.client.messages(run.conversation_id)):
        raise StepFailed(f"draft {run.draft.pk} says note {run.draft.note_id}, but Chatwoot has no such private note")
    return f"draft {run.draft.pk}, private note {run.draft.note_id}"


def _proposed(draft):
    if draft is not None and draft.status in DRAFT_DEAD_ENDS:
        why = draft.status_reason or draft.last_error
        raise StepFailed(f"draft {draft.pk} ended {draft.get_status_display().lower()}{': ' + why if why else ''}")
    return draft if draft is not None and draft.status == S.PROPOSED else None


def approve_and_publish(run: LoopRun) -> str:
    services.approve(run.draft, by=APPROVER)
    rows = AIDraft.objects.filter(pk=run.draft.pk)
    run.draft = run.wait(lambda: _published(rows.get()), "the approved draft was not published")
    return f"published as message {run.draft.published_message_id}"


def _published(draft):
    if draft.status == S.FAILED:
        raise StepFailed(f"publishing failed: {draft.last_error[:300]}")
    return draft if draft.status == S.PUBLISHED else None


def reply_sent(run: LoopRun) -> str:
    found = [m for m in run.client.messages(run.conversation_id) if m.get("id") == run.draft.published_message_id]
    if not found or found[0].get("private") or found[0].get("message_type") not in (1, "outgoing"):
        raise StepFailed(f"Chatwoot has no outgoing message {run.draft.published_message_id}")
    return f"outgoing message {found[0]['id']} in conversation {run.conversation_id}"


def resolve(run: LoopRun) -> str:
    run.client.toggle_status(run.conversation_id, "resolved")
    return f"conversation {run.conversation_id} resolved"


# --- the check ------------------------------------------------------------------------------------


def draft_settings_for(connection) -> DraftSettings:
    found = (
        DraftSettings.objects.filter(source__connection=connection, enabled=True)
        .select_related("source__connection", "source__project")
        .order_by("pk")
        .first()
    )
    if found is None:
        raise CheckSkipped("AI drafts are off for every project source reading this Chatwoot connection")
    return found


def test_inbox(connection, draft_settings) -> int:
    inbox = connection.setting("support_loop_inbox_id") or (draft_settings.inbox_ids or [None])[0]
    if inbox in (None, ""):
        raise CheckFailed(
            "setup: no test inbox: set the connection's support_loop_inbox_id or choose the drafts' inboxes"
        )
    return int(inbox)


def run_loop(source, *, inbox_id, question) -> LoopRun:
    """Runs the steps up to the first failure, then resolves the test conversation."""
    run = LoopRun(source, timeout=settings.SUPPORT_LOOP_E2E_TIMEOUT_S)
    try:
        run.step("open a test conversation", lambda: open_conversation(run, inbox_id))
        run.step("post the customer's message", lambda: post_question(run, question))
        run.step("webhook delivered", lambda: webhook_processed(run))
        run.step("AI draft as a private note", lambda: draft_note(run))
        run.step("approve and publish", lambda: approve_and_publish(run))
        run.step("reply sent to the customer", lambda: reply_sent(run))
    except StepFailed:
        pass  # recorded in run.steps; the conversation is still resolved
    finally:
        if run.conversation_id is not None:
            _cleanup(run)
    return run


def _cleanup(run):
    try:
        run.step("resolve the test conversation", lambda: resolve(run))
    except StepFailed:
        pass


@check(
    NAME,
    "The support loop end to end: Chatwoot message → webhook → AI draft note → approve → reply",
    needs="connection:chatwoot",
    own_job=True,
)
def support_loop_e2e(*, tenant=None, connection=None):
    draft_settings = draft_settings_for(connection)
    inbox_id = test_inbox(connection, draft_settings)
    question = connection.setting("support_loop_question") or settings.SUPPORT_LOOP_E2E_QUESTION
    run = run_loop(draft_settings.source, inbox_id=inbox_id, question=question)
    failed = [step for step in run.steps if step.status == "fail"]
    if failed:
        raise CheckFailed(f"{failed[0].name}: {failed[0].detail}", value=run.value)
    total = sum(step.seconds for step in run.steps)
    return run.value, f"{len(run.steps)} steps passed in {total:.1f} s (conversation {run.conversation_id})"
