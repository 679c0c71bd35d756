"""Demo connections for the demo tenants, a bot, and an inbox with processed events, a retry
waiting and two dead letters to replay. Only creates what is missing."""
import json
from datetime import timedelta

from django.utils import timezone

from apps.integrations import automation, inbox, processing, services
from apps.integrations.models import Bot, Connection, InboundEvent
from apps.tenants.models import Tenant

CONNECTIONS = [
    # tenant, provider, name, secret, settings
    ("acme-hotels", "meta", "Acme WhatsApp (Cloud API)", "", {"phone_number_id": "106540352242922", "waba_id": "102290129340398"}),
    ("acme-hotels", "pms", "Acme front-desk PMS", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", {"base_url": "http://127.0.0.1:9100"}),
    ("acme-hotels", "chatwoot", "Acme support inbox", "", {"base_url": "http://127.0.0.1:9200", "account_id": "1"}),
    ("bella-bistro", "waha", "Bella WhatsApp (WAHA)", "bella-waha-hmac", {"base_url": "http://127.0.0.1:9300", "session": "default"}),
    ("bella-bistro", "n8n", "Bella n8n", "bella-n8n-callback", {"base_url": "http://127.0.0.1:5678"}),
    ("coral-clinic", "telegram", "Coral Telegram bot", "coral-telegram-secret", {"api_base_url": "http://127.0.0.1:9400"}),
]


def seed(out):
    connections = {(slug, provider): _connection(slug, provider, name, secret, values)
                   for slug, provider, name, secret, values in CONNECTIONS}
    bella = Tenant.objects.get(slug="bella-bistro")
    if not Bot.objects.filter(tenant=bella).exists():
        automation.create_bot(bella, name="Table booking", workflow_path="webhook/table-booking")
    if not InboundEvent.objects.exists():
        _inbox(connections)
    out.write(f"integrations: {Connection.objects.count()} connections, {InboundEvent.objects.count()} inbound events")
    return []


def _connection(slug, provider, name, secret, values):
    existing = Connection.objects.filter(tenant__slug=slug, provider=provider).first()
    if existing:
        return existing
    return services.create_connection(Tenant.objects.get(slug=slug), provider, name=name, secret=secret, values=values)


class _DemoRequest:
    headers = {"Content-Type": "application/json", "User-Agent": "demo-seed"}


def _store(connection, external_id, event_type, payload):
    from apps.integrations.delivery import Item

    return inbox.insert_new([inbox.build_row(connection.provider, Item(connection, external_id, event_type, payload),
                                        _DemoRequest(), json.dumps(payload).encode())])


def _inbox(connections):
    now = timezone.now()
    pms = connections[("acme-hotels", "pms")]
    for n, (kind, day) in enumerate([("reservation.created", 1), ("reservation.modified", 2), ("reservation.checked_in", 3)]):
        ids = _store(pms, f"msg_demo_{n}", kind, {"type": kind, "timestamp": (now - timedelta(hours=6 - n)).isoformat(),
                                                  "data": {"reservation_id": "ACME-1042", "room": f"10{day}",
                                                           "guest": {"name": "Ada Lovelace", "phone": "+4915112345678"},
                                                           "check_in": "2026-12-01", "check_out": "2026-12-04"}})
        processing.process(ids[0])
    chatwoot = connections[("acme-hotels", "chatwoot")]
    ids = _store(chatwoot, "message_created:9001", "message_created", {
        "event": "message_created", "id": 9001, "content": "Is late check-out possible?", "message_type": "incoming",
        "conversation": {"id": 311, "status": "open", "meta": {"sender": {"id": 5, "name": "Grace Hopper"}}}})
    processing.process(ids[0])
    waha = connections[("bella-bistro", "waha")]
    for n in range(2):
        ids = _store(waha, f"evt_dead_{n}", "session.status", {"id": f"evt_dead_{n}", "event": "session.status",
                                                               "payload": {"status": "FAILED"}})
        InboundEvent.objects.filter(pk=ids[0]).update(
            status=InboundEvent.Status.DEAD_LETTERED, attempts=8, dead_lettered_at=now - timedelta(minutes=20 + n),
            last_error="ConnectionError: WAHA at http://127.0.0.1:9300 refused the connection")
    ids = _store(waha, "evt_retry", "session.status", {"id": "evt_retry", "event": "session.status",
                                                       "payload": {"status": "SCAN_QR_CODE"}})
    InboundEvent.objects.filter(pk=ids[0]).update(status=InboundEvent.Status.FAILED, attempts=2,
                                                  next_attempt_at=now + timedelta(minutes=5),
                                                  last_error="TimeoutError: database statement timeout")
