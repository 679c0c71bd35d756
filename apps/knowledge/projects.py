"""Finding a tenant's projects for the ways in (portal, API, admin): by slug, and the one a portal
user picked as active (kept in the session). Another tenant's project is simply not found."""

from apps.core.errors import ServiceError
from apps.knowledge.models import Project

SESSION_KEY = "active_project_id"


class ProjectNotFound(ServiceError):
    status_code = 404


def of_tenant(tenant):
    return Project.objects.for_tenant(tenant).order_by("name", "slug")


def by_slug(tenant, slug) -> Project:
    """The tenant's project `slug`; ProjectNotFound (a 404) for a missing slug or another tenant's."""
    slug = str(slug or "").strip()
    if not slug:
        raise ServiceError("Name the project to search: ?project=<slug>.", code="project_required")
    project = of_tenant(tenant).filter(slug=slug).first()
    if project is None:
        raise ProjectNotFound(f"This account has no project {slug!r}.", code="not_found")
    return project


def active(session, tenant) -> Project | None:
    """The project picked in this session if it is still the tenant's, else the tenant's first."""
    projects = of_tenant(tenant)
    chosen = session.get(SESSION_KEY)
    project = (projects.filter(pk=chosen).first() if chosen else None) or projects.first()
    if project is not None and chosen != project.pk:
        session[SESSION_KEY] = project.pk
    return project


def choose(session, tenant, slug) -> Project:
    """Makes the tenant's project `slug` the session's active one."""
    project = by_slug(tenant, slug)
    session[SESSION_KEY] = project.pk
    return project
