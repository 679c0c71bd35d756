"""The integrations admin says things once and by name: adding a bot confirms it once, with its
name; a connection's label does not repeat its provider."""

import pytest
from django.urls import reverse

from apps.integrations import services

pytestmark = pytest.mark.django_db


def test_adding_a_bot_confirms_it_once_by_name(client, staff, tenant):
    client.force_login(staff)

    response = client.post(
        reverse("admin:integrations_bot_add"),
        {"tenant": tenant.pk, "name": "Table booking", "workflow_path": "webhook/table"},
        follow=True,
    )

    texts = [str(message) for message in response.context["messages"]]
    assert len(texts) == 1 and "Table booking" in texts[0], texts
    assert response.content.decode().count("was added successfully") == 1


def test_a_connection_named_after_its_provider_does_not_repeat_it(tenant):
    named = services.create_connection(tenant, "waha", name="Bella WAHA line", values={"base_url": "http://x"})
    plain = services.create_connection(tenant, "waha", name="Bella WhatsApp", values={"base_url": "http://y"})
    meta = services.create_connection(tenant, "meta", name="Acme WhatsApp", values={"phone_number_id": "1234"})

    assert (str(named), str(plain), str(meta)) == ("Bella WAHA line", "Bella WhatsApp (WAHA)", "Acme WhatsApp (Meta)")
