import factory
from django.utils import timezone

from apps.integrations.models import Connection, Conversation, ConversationMessage, InboundEvent
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


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    tenant = factory.SubFactory(TenantFactory)
    connection = factory.SubFactory(ConnectionFactory, tenant=factory.SelfAttribute("..tenant"))
    external_id = factory.Sequence(lambda n: f"4915100{n:06d}")
    channel = "waha"
    contact_id = factory.LazyAttribute(lambda c: c.external_id)


class ConversationMessageFactory(factory.django.DjangoModelFactory):
    """An inbound message; without `conversation`, a new conversation of the tenant."""

    class Meta:
        model = ConversationMessage

    tenant = factory.SubFactory(TenantFactory)
    conversation = factory.SubFactory(ConversationFactory, tenant=factory.SelfAttribute("..tenant"))
    connection = factory.LazyAttribute(lambda m: m.conversation.connection)
    channel = "waha"
    provider_message_id = factory.Sequence(lambda n: f"msg-{n}")
    contact_id = factory.LazyAttribute(lambda m: m.conversation.contact_id)
    text = "Hello"
    sent_at = factory.LazyFunction(timezone.now)
