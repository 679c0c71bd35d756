import factory

from apps.integrations.models import Connection, InboundEvent
from tests.factories import TenantFactory


class ConnectionFactory(factory.django.DjangoModelFactory):
    """A connection; pass `secrets={"signing_secret": ...}` to store encrypted secrets."""

    class Meta:
        model = Connection
        skip_postgeneration_save = True

    tenant = factory.SubFactory(TenantFactory)
    provider = "waha"
    name = factory.LazyAttribute(lambda c: f"{c.provider} of {c.tenant.slug}")
    settings = factory.LazyFunction(dict)

    @factory.post_generation
    def secrets(obj, create, extracted, **kwargs):
        if extracted:
            obj.set_secrets(**extracted)
            obj.save()


class InboundEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InboundEvent

    connection = factory.SubFactory(ConnectionFactory)
    tenant = factory.LazyAttribute(lambda e: e.connection.tenant)
    provider = factory.LazyAttribute(lambda e: e.connection.provider)
    external_id = factory.Sequence(lambda n: f"evt-{n}")
    event_type = "test.event"
    raw_body = "{}"
