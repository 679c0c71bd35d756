"""A ticket about a bot that did not answer: the console lists the tenant's recent n8n runs,
failed and timed-out first, and the agent links them to the ticket."""

from datetime import timedelta

import pytest

from apps.events.models import AuditEvent
from apps.integrations.models import AutomationRun, Bot
from apps.tickets import services
from tests.tickets.test_admin_console import act, page_url

pytestmark = pytest.mark.django_db


def run(tenant, status, ticket, error="", hours_before_ticket=0):
    bot, _ = Bot.objects.get_or_create(tenant=tenant, name="Concierge", defaults={"workflow_path": "webhook/c"})
    return AutomationRun.objects.create(
        tenant=tenant,
        bot=bot,
        status=status,
        error=error,
        created_at=ticket.created_at - timedelta(hours=hours_before_ticket),
    )


def test_the_console_lists_the_tenants_recent_runs_failed_first(agent_client, ticket, tenant, other_tenant):
    succeeded = run(tenant, "succeeded", ticket, hours_before_ticket=1)
    timed_out = run(tenant, "timeout", ticket, "No callback within 300 s", hours_before_ticket=2)
    too_old = run(tenant, "failed", ticket, hours_before_ticket=30)
    theirs = run(other_tenant, "failed", ticket, "theirs")

    assert services.recent_automation_runs(ticket) == [timed_out, succeeded]
    page = agent_client.get(page_url(ticket)).content.decode()
    assert "No callback within 300 s" in page and f'value="{succeeded.pk}"' in page
    assert f'value="{too_old.pk}"' not in page and f'value="{theirs.pk}"' not in page


def test_the_agent_links_runs_and_the_link_is_audited(agent_client, ticket, tenant, other_tenant):
    timed_out = run(tenant, "timeout", ticket)
    theirs = run(other_tenant, "failed", ticket)

    assert agent_client.post(act(ticket, "link-runs"), {"run": [timed_out.pk]}).status_code == 302
    agent_client.post(act(ticket, "link-runs"), {"run": [theirs.pk]})

    assert list(ticket.automation_runs.all()) == [timed_out]
    assert AuditEvent.objects.filter(action="ticket.automation_runs_linked", target_id=str(ticket.pk)).count() == 1
    assert (
        f"/admin/integrations/automationrun/{timed_out.pk}/change/"
        in agent_client.get(page_url(ticket)).content.decode()
    )
