"""`make run`'s demo: two tenants have AI bots, and with no provider key the demo guest's question
is answered by the mock with the tenant's fallback text, through the outbound pipeline."""

import pytest
from django.core.management import call_command

from apps.ai.models import AIRequest, Outcome, TenantAISettings
from apps.integrations.models import AutomationRun, Bot
from apps.outbound.models import OutboundMessage

pytestmark = pytest.mark.django_db


def test_the_demo_has_ai_bots_and_answers_its_guest_with_the_mock(settings, django_capture_on_commit_callbacks):
    settings.OPENROUTER_API_KEY = settings.OPENAI_API_KEY = ""
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    call_command("seed_demo")

    bots = Bot.objects.filter(mode=Bot.Mode.AI).order_by("tenant__slug")
    assert [(bot.tenant.slug, bot.name) for bot in bots] == [
        ("acme-hotels", "Acme concierge"),
        ("coral-clinic", "Coral assistant"),
    ]
    assert all(bot.system_prompt for bot in bots)
    domains = {texts.tenant.slug: texts.link_domains for texts in TenantAISettings.objects.all()}
    assert domains["bella-bistro"] == ["bella-bistro.example"] and domains["acme-hotels"] == ["acme-hotels.example"]
    run = AutomationRun.objects.get(bot__name="Acme concierge")
    assert (run.status, run.reply) == ("succeeded", TenantAISettings.DEFAULT_FALLBACK)
    assert AIRequest.objects.get(bot=run.bot).outcome == Outcome.MOCK
    assert OutboundMessage.objects.get(automation_run=run).body == TenantAISettings.DEFAULT_FALLBACK
