"""Demo connections for the demo tenants, a bot, and an inbox with processed events, a retry
waiting and two dead letters to replay. The connections point at the local demo providers
(`manage.py demo_providers`, started by `make run` at DEMO_PROVIDERS_URL), so their health
monitors pass; a later run re-points them when that address changed. Only creates what is missing."""

import json
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from apps.integrations import automation, inbox, processing, services
from apps.integrations.models import Bot, Connection, InboundEvent
from apps.tenants.models import Tenant

CONNECTIONS = [
    # tenant, provider, name, secret, settings ("{demo}" is DEMO_PROVIDERS_URL)
    (
        "acme-hotels",
        "meta",
        "Acme WhatsApp",
        "",
        {
            "phone_number_id": "106540352242922",
            "waba_id": "102290129340398",
            "graph_base_url": "{demo}/graph",
            "access_token": "demo-acme-graph-token",
        },
    ),
    (
        "acme-hotels",
        "pms",
        "Acme front-desk PMS",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        {"base_url": "{demo}/pms", "api_key": "demo-acme-pms-key"},
    ),
    (
        "acme-hotels",
        "chatwoot",
        "Acme support inbox",
        "",
        {"base_url": "{demo}/chatwoot", "account_id": "1", "api_token": "demo-acme-chatwoot-token"},
    ),
    ("bella-bistro", "waha", "Bella WhatsApp", "bella-waha-hmac", {"base_url": "{demo}/waha", "session": "default"}),
    # The demo n8n workflow calls back with the token it was triggered with, so both are the same.
    (
        "bella-bistro",
        "n8n",
        "Bella n8n",
        "bella-n8n-callback",
        {"base_url": "{demo}/n8n", "token": "bella-n8n-callback"},
    ),
    (
        "coral-clinic",
        "telegram",
        "Coral Telegram bot",
        "coral-telegram-secret",
        {"api_base_url": "{demo}/telegram", "bot_token": "123456:demo-coral-bot"},
    ),
]
URL_KEYS = ("base_url", "graph_base_url", "api_base_url")


def seed(out):
    connections = {
        (slug, provider): _connection(slug, provider, name, secret, _values(values))
        for slug, provider, name, secret, values in CONNECTIONS
    }
    bella = Tenant.objects.get(slug="bella-bistro")
    if not Bot.objects.filter(tenant=bella).exists():
        automation.create_bot(bella, name="Table booking", workflow_path="webhook/table-booking")
    if not InboundEvent.objects.exists():
        _inbox(connections)
    out.write(
        f"integrations: {Connection.objects.count()} connections, {InboundEvent.objects.count()} inbound events; "
        f"demo providers at {settings.DEMO_PROVIDERS_URL}"
    )
    return []


def notes():
    """What `make run` prints after the logins: where each demo connection's webhooks go, the demo
    Meta secrets, and how to post a signed test delivery."""
    lines = ["Webhooks of the demo connections (`manage.py sign_webhook <connection-id> <file>` prints a signed curl):"]
    for connection in Connection.objects.filter(tenant__slug__in={row[0] for row in CONNECTIONS}).select_related(
        "tenant"
    ):
        routed = (
            f"   (Meta routes by phone_number_id; connection id {connection.pk})"
            if connection.provider == "meta"
            else ""
        )
        lines.append(f"  {connection.provider:9} {services.webhook_url(connection)}{routed}")
    lines.append(_meta_secrets())
    lines.append(f"Demo providers (Chatwoot, WAHA, n8n, PMS, Graph API, Telegram): {settings.DEMO_PROVIDERS_URL}/")
    return lines


def _meta_secrets():
    """The demo values are shown (they are random per checkout and only sign test deliveries); a
    secret from the operator's own configuration never is."""
    if not settings.META_APP_SECRET:
        return "  META_APP_SECRET is not set: Meta webhooks are refused until it is."
    if settings.META_APP_SECRET != _demo_env().get("META_APP_SECRET"):
        return "  META_APP_SECRET is set by your configuration (not shown)."
    return (
        f"  Meta, demo values from .run/demo.env: META_APP_SECRET={settings.META_APP_SECRET} "
        f"META_VERIFY_TOKEN={settings.META_VERIFY_TOKEN}"
    )


def _demo_env():
    path = settings.RUN_DIR / "demo.env"
    lines = path.read_text().splitlines() if path.exists() else []
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


def _values(values):
    return {key: value.format(demo=settings.DEMO_PROVIDERS_URL) for key, value in values.items()}


def _connection(slug, provider, name, secret, values):
    existing = Connection.objects.filter(tenant__slug=slug, provider=provider).first()
    if existing is None:
        return services.create_connection(
            Tenant.objects.get(slug=slug), provider, name=name, secret=secret, values=values
        )
    moved = {key: values[key] for key in URL_KEYS if key in values and existing.setting(key) != values[key]}
    if moved and all(_local(existing.setting(key)) for key in moved):
        return services.update_connection(existing, values=moved)
    return existing


def _local(url):
    """Only addresses on this machine are re-pointed: a demo tenant connected somewhere real stays."""
    return not url or urlsplit(url).hostname in ("127.0.0.1", "localhost")


class _DemoRequest:
    headers = {"Content-Type": "application/json", "User-Agent": "demo-seed"}


def _store(connection, external_id, event_type, payload):
    from apps.integrations.delivery import Item

    return inbox.insert_new(
        [
            inbox.build_row(
                connection.provider,
                Item(connection, external_id, event_type, payload),
                _DemoRequest(),
                json.dumps(payload).encode(),
            )
        ]
    )


def _inbox(connections):
    now = timezone.now()
    pms = connections[("acme-hotels", "pms")]
    for n, (kind, day) in enumerate(
        [("reservation.created", 1), ("reservation.modified", 2), ("reservation.checked_in", 3)]
    ):
        ids = _store(
            pms,
            f"msg_demo_{n}",
            kind,
            {
                "type": kind,
                "timestamp": (now - timedelta(hours=6 - n)).isoformat(),
                "data": {
                    "reservation_id": "ACME-1042",
                    "room": f"10{day}",
                    "guest": {"name": "Ada Lovelace", "phone": "+4915112345678"},
                    "check_in": "2026-12-01",
                    "check_out": "2026-12-04",
                },
            },
        )
        processing.process(ids[0])
    chatwoot = connections[("acme-hotels", "chatwoot")]
    ids = _store(
        chatwoot,
        "message_created:9001",
        "message_created",
        {
            "event": "message_created",
            "id": 9001,
            "content": "Is late check-out possible?",
            "message_type": "incoming",
            "conversation": {"id": 311, "status": "open", "meta": {"sender": {"id": 5, "name": "Grace Hopper"}}},
        },
    )
    processing.process(ids[0])
    _waha_failures(connections[("bella-bistro", "waha")], now)


def _waha_failures(waha, now):
    """Two guest messages dead-lettered three hours ago (replaying one runs the bot against the demo
    n8n, whose reply goes out through the demo WAHA) and a session update waiting for its retry.
    They are older than the alert rules' windows, so they open no incident."""
    for n, text in enumerate(["Table for 2 tonight at 20:00?", "Do you have a gluten-free menu?"]):
        ids = _store(
            waha,
            f"evt_dead_{n}",
            "message",
            {
                "id": f"evt_dead_{n}",
                "event": "message",
                "session": "default",
                "payload": {
                    "id": f"false_393331112233@c.us_DEMO{n}",
                    "from": "393331112233@c.us",
                    "body": text,
                    "timestamp": int((now - timedelta(hours=3)).timestamp()),
                    "_data": {"notifyName": "Ada Lovelace"},
                },
            },
        )
        failed_at = now - timedelta(hours=3, minutes=n)
        InboundEvent.objects.filter(pk=ids[0]).update(
            status=InboundEvent.Status.DEAD_LETTERED,
            attempts=8,
            dead_lettered_at=failed_at,
            updated_at=failed_at,
            received_at=failed_at - timedelta(hours=10),
            last_error="OperationalError: database statement timeout",
        )
    ids = _store(
        waha,
        "evt_retry",
        "session.status",
        {"id": "evt_retry", "event": "session.status", "session": "default", "payload": {"status": "WORKING"}},
    )
    InboundEvent.objects.filter(pk=ids[0]).update(
        status=InboundEvent.Status.FAILED,
        attempts=2,
        next_attempt_at=now + timedelta(minutes=5),
        updated_at=now - timedelta(hours=2),
        received_at=now - timedelta(hours=2, minutes=5),
        last_error="OperationalError: database statement timeout",
    )
