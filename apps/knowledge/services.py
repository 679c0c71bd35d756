"""Projects and their Chatwoot sources: the only code that creates, changes or removes them, each
change audited. The sync (apps.knowledge.sync) moves a source's cursor and failure counts itself;
the chunks and vectors belong to apps.knowledge.chunking and embedding."""

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from apps.core.errors import ServiceError
from apps.events import audit
from apps.integrations.models import Connection
from apps.knowledge.models import Project, ProjectSource

MAX_INBOXES = 100


def create_project(tenant, slug, *, name="", actor=None, request=None) -> Project:
    slug = _slug(slug)
    if Project.objects.filter(tenant=tenant, slug=slug).exists():
        raise ServiceError(f"{tenant.slug} already has a project {slug!r}.", "project_exists")
    project = Project(tenant=tenant, slug=slug, name=(name or slug.replace("-", " ").title())[:200])
    with transaction.atomic():
        project.save()
        audit.record(
            "knowledge.project_created",
            actor=actor,
            request=request,
            tenant=tenant,
            target=project,
            after={"slug": project.slug, "name": project.name},
        )
    return project


def ensure_project(tenant, slug, *, name="", actor=None, request=None) -> tuple[Project, bool]:
    """The tenant's project `slug`, created when missing; the flag says whether it was."""
    existing = Project.objects.filter(tenant=tenant, slug=_slug(slug)).first()
    if existing is not None:
        return existing, False
    return create_project(tenant, slug, name=name, actor=actor, request=request), True


def add_project_source(tenant, slug, connection, *, name="", inbox_ids=(), actor=None, request=None):
    """The project (created when missing) with the connection added as its source, both or neither:
    returns (project, created, source)."""
    with transaction.atomic():
        project, created = ensure_project(tenant, slug, name=name, actor=actor, request=request)
        source = add_source(project, connection, inbox_ids=inbox_ids, actor=actor, request=request)
    return project, created, source


def rename_project(project, name, *, actor=None, request=None) -> Project:
    name = (name or "").strip()[:200]
    if not name:
        raise ServiceError("A project needs a name.", "name_required")
    before = {"name": project.name}
    project.name = name
    with transaction.atomic():
        project.save(update_fields=["name"])
        audit.record(
            "knowledge.project_renamed",
            actor=actor,
            request=request,
            tenant=project.tenant,
            target=project,
            before=before,
            after={"name": name},
        )
    return project


def add_source(project, connection, *, inbox_ids=(), actor=None, request=None) -> ProjectSource:
    """Binds the project to one of its tenant's Chatwoot connections, optionally only some inboxes.
    A source that exists for the pair is refused (change its inboxes instead)."""
    check_connection(project, connection)
    source = ProjectSource(
        tenant=project.tenant, project=project, connection=connection, inbox_ids=inbox_list(inbox_ids)
    )
    try:
        with transaction.atomic():
            source.save()
            audit.record(
                "knowledge.source_added",
                actor=actor,
                request=request,
                tenant=project.tenant,
                target=source,
                after={"project": project.slug, "connection": str(connection.pk), "inbox_ids": source.inbox_ids},
            )
    except IntegrityError:
        raise ServiceError(
            f"Project {project.slug!r} already reads connection {connection.name!r}.", "source_exists"
        ) from None
    return source


def update_source(source, *, inbox_ids=None, is_active=None, actor=None, request=None) -> ProjectSource:
    """Changes a source's inboxes or turns it on or off. Narrowing the inboxes keeps what was
    synced; widening them resets the watermark so the next run reads the new inboxes' history."""
    before = {"inbox_ids": list(source.inbox_ids), "is_active": source.is_active}
    if inbox_ids is not None:
        inbox_ids = inbox_list(inbox_ids)
        if _widened(source.inbox_ids, inbox_ids):
            source.watermark = None
        source.inbox_ids = inbox_ids
    if is_active is not None:
        source.is_active = bool(is_active)
    with transaction.atomic():
        source.save(update_fields=["inbox_ids", "is_active", "watermark"])
        audit.record(
            "knowledge.source_updated",
            actor=actor,
            request=request,
            tenant=source.tenant,
            target=source,
            before=before,
            after={"inbox_ids": source.inbox_ids, "is_active": source.is_active},
        )
    return source


def deactivate_source(source, *, actor=None, request=None) -> ProjectSource:
    """Stops syncing the source; what it synced stays searchable."""
    return update_source(source, is_active=False, actor=actor, request=request)


def remove_source(source, *, actor=None, request=None) -> None:
    """Deletes the source with the conversations, messages and chunks synced through it."""
    with transaction.atomic():
        audit.record(
            "knowledge.source_removed",
            actor=actor,
            request=request,
            tenant=source.tenant,
            target=source,
            before={"project": source.project.slug, "connection": str(source.connection_id)},
        )
        source.delete()


def inbox_list(values) -> list[int]:
    """Inbox ids as sorted distinct positive integers; anything else is refused with what was wrong."""
    ids = set()
    for value in values or ():
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ServiceError(f"Inbox ids are numbers; {value!r} is not.", "bad_inbox") from None
        if number <= 0:
            raise ServiceError(f"Inbox ids are positive; {number} is not.", "bad_inbox")
        ids.add(number)
    if len(ids) > MAX_INBOXES:
        raise ServiceError(f"At most {MAX_INBOXES} inboxes per source.", "bad_inbox")
    return sorted(ids)


def check_connection(project, connection: Connection):
    if connection.tenant_id != project.tenant_id:
        raise ServiceError(
            f"Connection {connection.pk} belongs to another tenant than project {project.slug!r}.", "wrong_tenant"
        )
    if connection.provider != "chatwoot":
        raise ServiceError(
            f"Connection {connection.name!r} is {connection.get_provider_display()}, not Chatwoot.", "not_chatwoot"
        )


def _widened(before, after) -> bool:
    return bool(before) and (not after or bool(set(after) - set(before)))


def _slug(value) -> str:
    slug = slugify(value or "")[:64]
    if not slug:
        raise ServiceError("A project needs a slug (letters, digits and hyphens).", "bad_slug")
    return slug
