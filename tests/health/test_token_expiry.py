"""Meta tells when an access token expires (`GET /debug_token`): the probe shows it, warns once a
day when it is within META_TOKEN_WARN_DAYS, and the token expiration rate across tenants is a
metric the alert rules can read."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.events import emit, metrics
from apps.events.models import SystemEvent
from apps.health import checks
from tests.health.test_provider_probes import meta_connection

pytestmark = pytest.mark.django_db


def test_a_token_that_expires_in_three_days_passes_but_warns_once_a_day(tenant, graph):
    expires = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    graph.token_expires(expires)
    connection = meta_connection(graph, tenant, waba_id="")

    first = checks.run("connection_meta_token", connection=connection)
    checks.run("connection_meta_token", connection=connection)

    assert first.status == "pass"
    assert first.detail == f"token valid for +1 555-0100; it expires {expires:%Y-%m-%d %H:%M} UTC"
    warning = SystemEvent.objects.get(code="META_TOKEN_EXPIRING")
    assert warning.tenant == tenant and warning.meta["connection_id"] == str(connection.pk)
    assert "days left" in warning.message
    assert "input_token=EAAG-valid-token" in graph.requests_to("/v21.0/debug_token")[0].query


def test_a_system_user_token_that_never_expires_gives_no_warning(tenant, graph):
    graph.token_expires(None)
    connection = meta_connection(graph, tenant, waba_id="")

    result = checks.run("connection_meta_token", connection=connection)

    assert result.detail == "token valid for +1 555-0100" and result.value["token_expires_at"] is None
    assert not SystemEvent.objects.filter(code="META_TOKEN_EXPIRING").exists()


def test_a_token_a_month_from_expiry_is_not_warned_about(tenant, graph):
    graph.token_expires(timezone.now() + timedelta(days=30))
    connection = meta_connection(graph, tenant, waba_id="")

    checks.run("connection_meta_token", connection=connection)

    assert not SystemEvent.objects.filter(code="META_TOKEN_EXPIRING").exists()


def test_the_expiration_rate_is_the_share_of_meta_connections_whose_token_expired(tenant, other_tenant, graph):
    meta_connection(graph, tenant, waba_id="")
    meta_connection(graph, other_tenant, waba_id="")
    emit("META_TOKEN_EXPIRED", tenant=tenant, message="token expired")

    rate = metrics.compute("meta_token_expiration_rate", timedelta(days=1), timezone.now() + timedelta(seconds=1))

    assert rate == 50.0
