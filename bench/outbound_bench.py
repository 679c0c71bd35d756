"""Outbound benchmark: messages from `queued` to `sent` with one Celery worker against a local Graph
API server, and what preflight costs per message. PostgreSQL and Redis, as in production.

Run:  .venv/bin/python bench/outbound_bench.py [--messages 1000] [--preflight 500]
Needs PostgreSQL (database opsdesk_bench, created when missing) and Redis (db 13) on 127.0.0.1.

Measures in one run, so the figures compare as ratios on a noisy shared machine:
  1. baseline: one process POSTing the same message payloads straight to the local Graph server
     with requests (no database, no broker): the ceiling of any sender;
  2. dispatch: --messages approved WhatsApp template messages, queued (tasks waiting in Redis),
     then one worker process (concurrency 1, the reliability settings) sends them: messages/s from
     the first to the last `sent_at`, and the ratio to the baseline;
  3. preflight: `preflight.check` per message (loads the tenant's switches, usage and the contact's
     policy, then decides) against a baseline of fetching the message by primary key, and the pure
     `preflight.decide` over facts already loaded.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/opsdesk_bench")
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/13")
os.environ.update(
    {
        "DATABASE_URL": DB_URL,
        "CELERY_BROKER_URL": BROKER_URL,
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
)
PY = sys.executable
TEMPLATE = {"name": "booking_confirmation", "language": "en_US", "parameters": ["Ada", "Room 12"]}


def setup_database():
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tc", "CREATE DATABASE opsdesk_bench"], capture_output=True
    )
    subprocess.run([PY, "manage.py", "migrate", "--noinput"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["redis-cli", "-n", BROKER_URL.rsplit("/", 1)[1], "flushdb"], capture_output=True)


def bench_tenant(graph):
    from apps.integrations import services as integration_services
    from apps.integrations.models import Connection
    from apps.outbound.models import ContactChannelPolicy, OutboundMessage, SendBucket
    from apps.tenants.models import Plan, Tenant, UsageCounter

    plan, _ = Plan.objects.update_or_create(
        name="Bench unlimited",
        defaults={
            "monthly_message_limit": 10_000_000,
            "bot_limit": 10,
            "ai_daily_limit": 1000,
            "ai_monthly_limit": 10000,
        },
    )
    tenant, _ = Tenant.objects.update_or_create(
        slug="bench-outbound", defaults={"name": "Bench outbound", "plan": plan}
    )
    OutboundMessage.objects.filter(tenant=tenant).delete()
    ContactChannelPolicy.objects.filter(tenant=tenant).delete()
    UsageCounter.objects.filter(tenant=tenant).delete()
    Connection.objects.filter(tenant=tenant).delete()
    SendBucket.objects.all().delete()
    connection = integration_services.create_connection(
        tenant,
        "meta",
        name="Bench WhatsApp",
        values={
            "phone_number_id": graph.phone_number_id,
            "graph_base_url": graph.base_url,
            "access_token": graph.token,
        },
    )
    return tenant, connection


def baseline_posts(graph, count):
    """Messages/s one process gets from the Graph server with nothing else in the way."""
    import requests

    from apps.integrations.meta import client as meta

    session, url = requests.Session(), f"{graph.base_url}/{graph.phone_number_id}/messages"
    started = time.perf_counter()
    for n in range(count):
        payload = meta.template_payload(f"4917{n:09d}", TEMPLATE)
        session.post(
            url, json=payload, headers={"Authorization": f"Bearer {graph.token}"}, timeout=10
        ).raise_for_status()
    return count / (time.perf_counter() - started)


def queue_messages(tenant, connection, count):
    from apps.outbound import services

    started = time.perf_counter()
    ids = [
        services.create_message(
            tenant,
            channel="whatsapp_cloud",
            to=f"4916{n:09d}",
            template=TEMPLATE,
            connection=connection,
            approve=True,
            created_by_label="bench",
        ).pk
        for n in range(count)
    ]
    return ids, count / (time.perf_counter() - started)


def drain_with_one_worker(tenant, count):
    from django.db.models import Max, Min

    from apps.outbound.models import OutboundMessage, Status

    worker = subprocess.Popen(
        [
            str(Path(PY).parent / "celery"),
            "-A",
            "config",
            "worker",
            "--concurrency",
            "1",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    rows = OutboundMessage.objects.filter(tenant=tenant)
    try:
        deadline = time.monotonic() + 600
        while rows.filter(status=Status.SENT).count() < count and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        worker.terminate()
        worker.wait()
    sent = rows.filter(status=Status.SENT).aggregate(first=Min("sent_at"), last=Max("sent_at"))
    done = rows.filter(status=Status.SENT).count()
    span = (sent["last"] - sent["first"]).total_seconds() if done > 1 else float("nan")
    return done, (done - 1) / span


def per_call_us(function, items):
    timings = []
    for item in items:
        started = time.perf_counter()
        function(item)
        timings.append((time.perf_counter() - started) * 1e6)
    return statistics.median(timings)


def preflight_costs(tenant, connection, count):
    from apps.outbound import preflight, services
    from apps.outbound.models import OutboundMessage
    from apps.outbound.services import policies

    ids = [
        services.create_message(
            tenant,
            channel="whatsapp_cloud",
            to=f"4915{n:09d}",
            template=TEMPLATE,
            connection=connection,
            created_by_label="bench",
        ).pk
        for n in range(count)
    ]
    loaded = [OutboundMessage.objects.select_related("tenant__plan", "connection").get(pk=pk) for pk in ids]
    fetch = per_call_us(lambda pk: OutboundMessage.objects.select_related("tenant__plan", "connection").get(pk=pk), ids)
    check = per_call_us(lambda message: preflight.check(message, policies.policy_of(message)), loaded)
    facts = [preflight.facts(message, policies.policy_of(message)) for message in loaded]
    decide = per_call_us(preflight.decide, facts)
    return fetch, check, decide


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--preflight", type=int, default=500)
    args = parser.parse_args()
    setup_database()
    import django

    django.setup()
    from django.conf import settings

    from tests.fakes.graph import FakeGraph

    with FakeGraph() as graph:
        tenant, connection = bench_tenant(graph)
        baseline = baseline_posts(graph, args.messages)
        _, queue_rate = queue_messages(tenant, connection, args.messages)
        done, rate = drain_with_one_worker(tenant, args.messages)
        fetch, check, decide = preflight_costs(tenant, connection, args.preflight)
    print(f"machine: {os.cpu_count()} cores; PostgreSQL + Redis on 127.0.0.1; local Graph API server in this process")
    print(f"pacing: {settings.OUTBOUND_META_RATE_PER_S:g} messages/s per number (token bucket)")
    print(f"baseline: direct POSTs to the Graph server, one process: {baseline:8.1f} messages/s")
    print(f"create + approve + preflight + queue (API path, in-process): {queue_rate:8.1f} messages/s")
    print(
        f"dispatch queued -> sent, one worker process: {rate:8.1f} messages/s ({done}/{args.messages} sent), "
        f"{100 * rate / baseline:.1f} % of the baseline"
    )
    print(
        f"preflight.check per message (median): {check:8.0f} us; fetch by primary key (baseline): {fetch:6.0f} us; "
        f"ratio {check / fetch:.1f}x"
    )
    print(f"preflight.decide over loaded facts (median): {decide:8.1f} us")


if __name__ == "__main__":
    main()
