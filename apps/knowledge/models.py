"""Knowledge search's data: projects and the Chatwoot sources they read, the synced conversations
and messages, the chunks cut from them and the chunks' vectors."""

from django.db import models

from apps.tenants.models import TenantScopedManager


class Project(models.Model):
    """A tenant's searchable body of support conversations."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="knowledge_projects")
    slug = models.SlugField(max_length=64)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantScopedManager()

    class Meta:
        ordering = ["tenant__name", "name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "slug"], name="project_slug_per_tenant")]

    def __str__(self):
        return self.name


class ProjectSource(models.Model):
    """A project reading one Chatwoot connection, optionally only some of its inboxes."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="knowledge_sources")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="sources")
    connection = models.ForeignKey(
        "integrations.Connection", on_delete=models.CASCADE, related_name="knowledge_sources"
    )
    inbox_ids = models.JSONField("inbox IDs", default=list, blank=True, help_text="Empty: every inbox.")
    is_active = models.BooleanField("active", default=True)
    watermark = models.DateTimeField(
        null=True, blank=True, help_text="Newest conversation activity synced; the next run starts here."
    )
    last_sync_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantScopedManager()

    class Meta:
        ordering = ["project", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "connection"], name="project_source_once"),
        ]

    def __str__(self):
        return f"{self.project} ← {self.connection}"


class ChatwootConversation(models.Model):
    """A Chatwoot conversation as last synced (the sync's cursor per conversation)."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="chatwoot_conversations")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="conversations")
    source = models.ForeignKey(ProjectSource, on_delete=models.CASCADE, related_name="conversations")
    conversation_id = models.BigIntegerField("Chatwoot conversation ID")
    inbox_id = models.BigIntegerField("Chatwoot inbox ID", null=True, blank=True)
    status = models.CharField(max_length=16, blank=True)
    contact_name = models.CharField(max_length=255, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    last_message_id = models.BigIntegerField("last synced message ID", default=0)
    synced_at = models.DateTimeField(null=True, blank=True)

    objects = TenantScopedManager()

    class Meta:
        ordering = ["-last_activity_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "conversation_id"], name="chatwoot_conversation_once"),
        ]

    def __str__(self):
        return f"Chatwoot conversation {self.conversation_id}"


class ChatwootMessage(models.Model):
    """One Chatwoot message (the runbooks' `cw_messages`), unique per source and message id."""

    class Kind(models.TextChoices):
        INCOMING = "incoming", "Incoming"
        OUTGOING = "outgoing", "Outgoing"
        ACTIVITY = "activity", "Activity"
        TEMPLATE = "template", "Template"

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="chatwoot_messages")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="messages")
    source = models.ForeignKey(ProjectSource, on_delete=models.CASCADE, related_name="messages")
    conversation_id = models.BigIntegerField("Chatwoot conversation ID")
    message_id = models.BigIntegerField("Chatwoot message ID")
    message_type = models.CharField(max_length=16, choices=Kind.choices)
    private = models.BooleanField(default=False)
    sender_type = models.CharField(max_length=32, blank=True)
    sender_name = models.CharField(max_length=255, blank=True)
    content = models.TextField(blank=True)
    created_at = models.DateTimeField()
    synced_at = models.DateTimeField(auto_now=True)

    objects = TenantScopedManager()

    class Meta:
        ordering = ["conversation_id", "message_id"]
        constraints = [models.UniqueConstraint(fields=["source", "message_id"], name="chatwoot_message_once")]
        indexes = [models.Index(fields=["project", "conversation_id", "message_id"], name="cwmessage_conversation")]

    def __str__(self):
        return f"Chatwoot message {self.message_id}"


class Chunk(models.Model):
    """A window of consecutive messages of one conversation (the runbooks' `rag_chunks`)."""

    class EmbeddingStatus(models.TextChoices):
        PENDING = "pending", "Pending"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="knowledge_chunks")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="chunks")
    source = models.ForeignKey(ProjectSource, on_delete=models.CASCADE, related_name="chunks")
    conversation_id = models.BigIntegerField("Chatwoot conversation ID")
    message_ids = models.JSONField("message IDs", default=list)
    first_message_id = models.BigIntegerField()
    text = models.TextField()
    content_hash = models.CharField(max_length=64)
    has_private = models.BooleanField("holds private notes", default=False)
    language = models.CharField(max_length=16, blank=True, help_text="english, portuguese, spanish or simple")
    embedding_status = models.CharField(max_length=16, choices=EmbeddingStatus.choices, default=EmbeddingStatus.PENDING)
    embedding_error = models.TextField(blank=True)
    embedding_attempts = models.PositiveSmallIntegerField(default=0)
    embedding_claimed_at = models.DateTimeField(
        null=True, blank=True, help_text="Set while an embed run holds the chunk; an old claim is a run that died."
    )
    embedded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantScopedManager()

    class Meta:
        ordering = ["conversation_id", "first_message_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "conversation_id", "first_message_id"], name="chunk_once_per_window"
            ),
        ]
        indexes = [
            models.Index(fields=["project", "embedding_status"], name="chunk_project_status"),
            models.Index(fields=["embedding_status", "id"], name="chunk_status_queue"),
        ]

    def __str__(self):
        return f"Chunk {self.pk} of conversation {self.conversation_id}"


class ChunkVector(models.Model):
    """A chunk's embedding as packed float32 bytes, in a narrow table so a project's vectors load
    in one fast scan. `knowledge.vectors` is the only code that reads or writes it (a pgvector
    column can replace it there)."""

    chunk = models.OneToOneField(Chunk, on_delete=models.CASCADE, primary_key=True, related_name="vector")
    project_id = models.BigIntegerField(db_index=True)
    model = models.CharField(max_length=100)
    dims = models.PositiveSmallIntegerField()
    vector = models.BinaryField()

    def __str__(self):
        return f"Vector of chunk {self.chunk_id} ({self.model}, {self.dims})"
