"""AI drafts: per project source, whether and how the AI drafts replies in Chatwoot (`DraftSettings`),
and one `AIDraft` per customer message answered, from its search to the published reply."""

from django.conf import settings
from django.db import models

from apps.tenants.models import TenantScopedManager


class Tone(models.TextChoices):
    FRIENDLY = "friendly", "Friendly"
    FORMAL = "formal", "Formal"
    CONCISE = "concise", "Short and to the point"


class DraftSettings(models.Model):
    """AI drafts for one project source: off by default; which inboxes; what the AI is told; and the
    confidence floor under which the search's evidence is too weak to write anything."""

    DEFAULT_PROMPT = (
        "You write draft replies for a support team. A person reads every draft before the customer "
        "sees it. Answer the customer's last message using only the knowledge given; when it does not "
        "answer the question, say so briefly and that a colleague will follow up."
    )

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="draft_settings")
    source = models.OneToOneField("knowledge.ProjectSource", on_delete=models.CASCADE, related_name="draft_settings")
    enabled = models.BooleanField("AI drafts on", default=False)
    inbox_ids = models.JSONField(
        "inbox IDs", default=list, blank=True, help_text="Empty: every inbox the source reads."
    )
    system_prompt = models.TextField(default=DEFAULT_PROMPT)
    tone = models.CharField(max_length=16, choices=Tone.choices, default=Tone.FRIENDLY)
    min_score = models.DecimalField(
        "minimum search score",
        max_digits=4,
        decimal_places=2,
        default=0.5,
        help_text="0 to 1: a search hit counts as evidence from this score.",
    )
    min_hits = models.PositiveSmallIntegerField(
        "minimum hits", default=1, help_text="Hits at or above the score needed before a draft is written."
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=255, blank=True)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = "AI draft settings"
        verbose_name_plural = "AI draft settings"

    def __str__(self):
        return f"AI drafts of {self.source} ({'on' if self.enabled else 'off'})"

    def reads_inbox(self, inbox_id) -> bool:
        return not self.inbox_ids or (inbox_id is not None and int(inbox_id) in self.inbox_ids)


class AIDraft(models.Model):
    """One customer message's draft reply, and everything that happened to it."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued (waiting for the drafting task)"
        DRAFTING = "drafting", "Drafting (search, AI, note)"
        PROPOSED = "proposed", "Proposed (note posted in Chatwoot)"
        APPROVED = "approved", "Approved (reply waiting to be sent)"
        PUBLISHING = "publishing", "Publishing (reply being sent)"
        PUBLISHED = "published", "Published (reply sent to the customer)"
        REJECTED = "rejected", "Rejected"
        SUPERSEDED = "superseded", "Superseded"
        NO_KNOWLEDGE = "no_knowledge", "No draft: the knowledge found was below the floor"
        NOT_DRAFTED = "not_drafted", "No draft: the AI refused or failed"
        FAILED = "failed", "Failed (Chatwoot refused the note or the reply)"

    OPEN = (Status.QUEUED, Status.DRAFTING, Status.PROPOSED)
    SENDING = (Status.APPROVED, Status.PUBLISHING)

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="ai_drafts")
    project = models.ForeignKey("knowledge.Project", on_delete=models.CASCADE, related_name="ai_drafts")
    source = models.ForeignKey("knowledge.ProjectSource", on_delete=models.CASCADE, related_name="ai_drafts")
    conversation_id = models.BigIntegerField("Chatwoot conversation ID")
    inbox_id = models.BigIntegerField("Chatwoot inbox ID", null=True, blank=True)
    contact_id = models.CharField("Chatwoot contact", max_length=64, blank=True)
    message_id = models.BigIntegerField("answered Chatwoot message ID")
    message_text = models.TextField("answered message", blank=True)
    message_at = models.DateTimeField("customer wrote at")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    status_reason = models.CharField(max_length=500, blank=True)
    query = models.TextField("search query", blank=True)
    text = models.TextField("draft", blank=True)
    sources = models.JSONField(default=list, blank=True, help_text="Conversations the draft used: id, link, score.")
    search_hits = models.JSONField(default=list, blank=True, help_text="What the search returned, as it was.")
    ai_request = models.ForeignKey(
        "ai.AIRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="drafts"
    )
    note_id = models.BigIntegerField("Chatwoot note ID", null=True, blank=True)
    approved_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.CharField(max_length=255, blank=True, help_text="Who approved or rejected it.")
    approved_by_agent_id = models.BigIntegerField("Chatwoot agent ID", null=True, blank=True)
    approved_text = models.TextField(blank=True)
    edited = models.BooleanField(default=False, help_text="Approved with a text other than the draft.")
    published_message_id = models.BigIntegerField("published Chatwoot message ID", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Drafting or publishing attempts.")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    publish_started_at = models.DateTimeField(null=True, blank=True, help_text="First attempt to send the reply.")
    failure_stage = models.CharField(max_length=16, blank=True, help_text="note or publish")
    last_error = models.TextField(blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    proposed_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text="Rejected, superseded or not drafted at.")

    objects = TenantScopedManager()

    class Meta:
        verbose_name = "AI draft"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["source", "message_id"], name="ai_draft_once_per_message")]
        indexes = [
            models.Index(fields=["tenant", "-created_at"], name="aidraft_tenant_time"),
            models.Index(fields=["source", "conversation_id", "status"], name="aidraft_conversation"),
            models.Index(fields=["status", "next_attempt_at"], name="aidraft_due"),
        ]

    def __str__(self):
        return f"AI draft {self.pk} for conversation {self.conversation_id} ({self.get_status_display()})"

    @property
    def reply_text(self) -> str:
        return self.approved_text or self.text
