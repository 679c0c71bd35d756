"""Demo AI bots: Acme Hotels answers WhatsApp and Coral Clinic answers Telegram with AI-mode bots,
and one guest question to Acme is stored and processed, so the worker of `make run` answers it
through the gateway and sends the reply to the demo Graph API. With no provider key set, the chain
goes straight to the mock, which answers with the tenant's fallback text. Only creates what is missing."""

import json

from django.conf import settings
from django.utils import timezone

from apps.ai import controls
from apps.ai.models import TenantAISettings
from apps.integrations import automation, inbox, processing
from apps.integrations.delivery import Item
from apps.integrations.models import Bot, Connection, InboundEvent
from apps.tenants.models import Tenant

BOTS = [
    # tenant, name, system prompt
    (
        "acme-hotels",
        "Acme concierge",
        "You are the concierge of Acme Hotels. Answer guests' questions about rooms, breakfast (7 to 10), "
        "check-in (from 15:00) and check-out (until 11:00) in one or two friendly sentences, in the guest's "
        "language. Never share anything about other guests.",
    ),
    (
        "coral-clinic",
        "Coral assistant",
        "You are the front desk of Coral Clinic (open Monday to Friday, 8 to 18). Help patients with opening "
        "hours and appointments, in the patient's language. For medical questions, say that a person from "
        "the clinic will call back.",
    ),
]
# The demo tenants' own sites: their answers may link there (and give addresses at them).
LINK_DOMAINS = {
    "acme-hotels": "acme-hotels.example",
    "bella-bistro": "bella-bistro.example",
    "coral-clinic": "coral-clinic.example",
}
GUEST_QUESTION = ("wamid.DEMO-AI-1", "4915112345678", "Ada Lovelace", "Hi! Is breakfast included in my room rate?")


def seed(out):
    for slug, name, prompt in BOTS:
        tenant = Tenant.objects.get(slug=slug)
        if not Bot.objects.filter(tenant=tenant, name=name).exists():
            automation.create_bot(tenant, name=name, mode=Bot.Mode.AI, system_prompt=prompt)
    for slug, domains in LINK_DOMAINS.items():
        _link_domains(Tenant.objects.get(slug=slug), domains)
    _guest_question(Connection.objects.filter(tenant__slug="acme-hotels", provider="meta").first())
    out.write(f"ai: {Bot.objects.filter(mode=Bot.Mode.AI).count()} AI bots; {_chain_note()}")
    return []


def _link_domains(tenant, domains):
    texts = TenantAISettings.objects.filter(tenant=tenant).first() or TenantAISettings(tenant=tenant)
    if not texts.allowed_link_domains:
        texts.allowed_link_domains = domains
        controls.save_tenant_settings(texts, changed=["allowed_link_domains"])


def notes():
    return [
        "AI bots: Acme concierge answers Acme's WhatsApp, Coral assistant Coral's Telegram. " + _chain_note(),
        f"  OpenAI-compatible endpoint: {settings.PUBLIC_BASE_URL.rstrip('/')}/api/v1/ai/chat/completions "
        "(base URL …/api/v1/ai, a tenant API key from the portal's API keys page)",
    ]


def _chain_note() -> str:
    configured = [
        name
        for name, key in (("OpenRouter", "OPENROUTER_API_KEY"), ("OpenAI", "OPENAI_API_KEY"))
        if getattr(settings, key)
    ]
    if not configured:
        return (
            "No AI provider key is set (OPENROUTER_API_KEY, OPENAI_API_KEY): the mock answers with the fallback text."
        )
    return f"AI providers configured: {', '.join(configured)}, then the mock."


class _DemoRequest:
    headers = {"Content-Type": "application/json", "User-Agent": "demo-seed"}


def _guest_question(meta):
    """A guest's WhatsApp question, stored and processed like a webhook delivery: the AI bot's run
    is queued for the worker."""
    wamid, phone, name, text = GUEST_QUESTION
    if meta is None or InboundEvent.objects.filter(connection=meta, external_id=wamid).exists():
        return
    message = {"from": phone, "id": wamid, "timestamp": str(int(timezone.now().timestamp())), "type": "text"}
    payload = {
        "metadata": {"phone_number_id": meta.external_key},
        "contacts": [{"profile": {"name": name}, "wa_id": phone}],
        "message": {**message, "text": {"body": text}},
    }
    row = inbox.build_row("meta", Item(meta, wamid, "message", payload), _DemoRequest(), json.dumps(payload).encode())
    for event_id in inbox.insert_new([row]):
        processing.process(event_id)
