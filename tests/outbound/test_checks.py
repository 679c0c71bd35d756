"""The outbound_sending check the outbound runbooks run: paused connections and last hour's
failure rate fail it; a quiet or healthy tenant passes."""

import pytest
from django.utils import timezone

from apps.health import checks
from apps.incidents.models import Runbook
from apps.outbound import services, states
from apps.outbound.models import Status
from tests.outbound.conftest import queued

pytestmark = pytest.mark.django_db


def test_a_tenant_that_sent_fine_passes(tenant, meta, graph):
    services.dispatch(queued(tenant, meta).pk)

    result = checks.run("outbound_sending", tenant=tenant)

    assert result.status == checks.PASS and result.value["sent"] == 1
    assert result.detail.startswith("last hour: 1 sent, 0 failed")


def test_a_paused_connection_fails_the_check_with_its_reason(tenant, meta, admin_user):
    services.pause_sending(meta, actor=admin_user, reason="Token rotation")

    result = checks.run("outbound_sending", tenant=tenant)

    assert result.status == checks.FAIL and result.value["paused"] == ["Alpha WhatsApp"]
    assert "sending paused on Alpha WhatsApp" in result.detail and "Token rotation" in result.detail


def test_failures_above_ten_percent_fail_the_check(tenant, meta, graph):
    message = queued(tenant, meta)
    states.transition(message, Status.SENDING)
    states.transition(message, Status.FAILED, now=timezone.now(), last_error="131026")

    result = checks.run("outbound_sending", tenant=tenant)

    assert result.status == checks.FAIL and result.value["failure_rate"] == 100.0


def test_the_outbound_runbooks_run_it():
    assert "outbound_sending" in Runbook.objects.get(slug="whatsapp-outbound").checks
    assert "outbound_sending" in Runbook.objects.get(slug="outbound-blocked").checks
