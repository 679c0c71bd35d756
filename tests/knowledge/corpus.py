"""Makers for the embedding tests: a project with a Chatwoot source, and stored Chatwoot messages
written the way the sync stores them (so chunking reads real rows)."""

from datetime import UTC, datetime, timedelta

from apps.integrations.models import Connection
from apps.knowledge.models import ChatwootMessage, Project, ProjectSource
from tests.factories import TenantFactory

KIND = ChatwootMessage.Kind
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def make_source(tenant=None, slug="help"):
    tenant = tenant or TenantFactory()
    project = Project.objects.create(tenant=tenant, slug=slug, name=slug.title())
    connection = Connection.objects.create(tenant=tenant, provider="chatwoot", name=f"Chatwoot {slug}", settings={})
    return ProjectSource.objects.create(tenant=tenant, project=project, connection=connection)


def add_messages(source, conversation_id, turns, *, first_id=None):
    """Stores a conversation's messages; `turns` are (kind, content) or (kind, content, private).
    Message ids continue after the newest stored one unless `first_id` is given."""
    next_id = (
        first_id
        or (
            ChatwootMessage.objects.filter(source=source)
            .order_by("-message_id")
            .values_list("message_id", flat=True)
            .first()
            or 1000
        )
        + 1
    )
    rows = []
    for offset, turn in enumerate(turns):
        kind, content, private = (*turn, False)[:3]
        rows.append(
            ChatwootMessage(
                tenant_id=source.tenant_id,
                project_id=source.project_id,
                source=source,
                conversation_id=conversation_id,
                message_id=next_id + offset,
                message_type=kind,
                private=private,
                sender_type={KIND.INCOMING: "contact", KIND.OUTGOING: "user"}.get(kind, ""),
                content=content,
                created_at=T0 + timedelta(minutes=next_id + offset),
            )
        )
    return ChatwootMessage.objects.bulk_create(rows)


def qa(*pairs):
    """Turns ("question", "answer"), … into alternating incoming/outgoing turns."""
    return [turn for question, answer in pairs for turn in ((KIND.INCOMING, question), (KIND.OUTGOING, answer))]
