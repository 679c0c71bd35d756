"""Factories shared by the knowledge tests: projects, Chatwoot connections (pointed at a
tests.fakes.chatwoot.FakeChatwoot when given one) and project sources.

    with FakeChatwoot(account_id=3) as chatwoot:
        source = SourceFactory(connection=chatwoot_connection(chatwoot))
        sync.sync_source(source)
"""

import factory

from apps.integrations.models import Connection
from apps.knowledge.models import Project, ProjectSource
from tests.factories import TenantFactory


class ChatwootConnectionFactory(factory.django.DjangoModelFactory):
    """A Chatwoot connection; `secrets={"api_token": ...}` stores the token encrypted."""

    class Meta:
        model = Connection
        skip_postgeneration_save = True

    tenant = factory.SubFactory(TenantFactory)
    provider = "chatwoot"
    name = factory.Sequence(lambda n: f"Chatwoot {n}")
    settings = factory.LazyFunction(lambda: {"base_url": "http://127.0.0.1:9", "account_id": "1"})

    @factory.post_generation
    def secrets(obj, create, extracted, **kwargs):
        obj.set_secrets(**(extracted if extracted is not None else {"api_token": "test-chatwoot-token"}))
        obj.save()


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    tenant = factory.SubFactory(TenantFactory)
    slug = factory.Sequence(lambda n: f"project-{n}")
    name = factory.LazyAttribute(lambda p: p.slug.replace("-", " ").title())


class SourceFactory(factory.django.DjangoModelFactory):
    """A project source; the project and the connection belong to the same tenant."""

    class Meta:
        model = ProjectSource

    tenant = factory.SubFactory(TenantFactory)
    project = factory.SubFactory(ProjectFactory, tenant=factory.SelfAttribute("..tenant"))
    connection = factory.SubFactory(ChatwootConnectionFactory, tenant=factory.SelfAttribute("..tenant"))


def chatwoot_connection(fake, tenant=None, **kwargs) -> Connection:
    """A Chatwoot connection of `tenant` (a new one without) that reaches `fake` with its token."""
    return ChatwootConnectionFactory(
        tenant=tenant or TenantFactory(),
        settings={"base_url": fake.url, "account_id": fake.account_id},
        secrets={"api_token": fake.token},
        **kwargs,
    )


def synced_source(fake, tenant=None, **kwargs) -> ProjectSource:
    """A project source reading `fake` (see tests.fakes.chatwoot)."""
    connection = chatwoot_connection(fake, tenant)
    return SourceFactory(tenant=connection.tenant, connection=connection, **kwargs)
