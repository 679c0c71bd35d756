"""Outbound benchmark: messages from `queued` to `sent` against a local Graph API server, before
(the single-message path) and after (the per-connection batch dispatcher), and what preflight
costs per message. PostgreSQL and Redis, as in production.

Run:  .venv/bin/python bench/outbound_bench.py [--messages 1000] [--preflight 500] [--profile]
Needs PostgreSQL (database opsdesk_bench, created when missing) and Redis (db 13) on 127.0.0.1.

Measures in one run, so the figures compare as ratios on a noisy shared machine:
  1. baseline: one process POSTing the same message payloads straight to the local Graph server
     with requests (no database, no broker): the ceiling of any sender;
  2. in-process, pacing lifted: --messages/2 messages sent one by one with `services.dispatch`
     (the single path, as each task ran before) against the same number drained with
     `services.drain` (the batch dispatcher);
  3. one worker process (concurrency 1, the reliability settings), one number paced at
     OUTBOUND_META_RATE_PER_S: messages/s from the first to the last `sent_at`, its ratio to the
     pace, and the most sends in any 1-second window (never above the pace plus the bucket's burst);
  4. two numbers, one worker with two processes: messages/s over both ÷ one number's;
  5. preflight: `preflight.check` per message (loads the tenant's switches, usage and the
     contact's policy, then decides) and the batch preflight per message over batches of
     OUTBOUND_DISPATCH_BATCH, against fetching the message by primary key;
  6. with --profile, where an in-process drain spends its time (cProfile, top functions).
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
os.environ.setdefault("OUTBOUND_META_BURST", "8")
PY = sys.executable
TEMPLATE = {"name": "booking_confirmation", "language": "en_US", "parameters": ["Ada", "Room 12"]}


def setup_database():
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tc", "CREATE DATABASE opsdesk_bench"], capture_output=True
    )
    subprocess.run([PY, "manage.py", "migrate", "--noinput"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["redis-cli", "-n", BROKER_URL.rsplit("/", 1)[1], "flushdb"], capture_output=True)


def bench_tenant(graph, slug="bench-outbound", numbers=1):
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
    tenant, _ = Tenant.objects.update_or_create(slug=slug, defaults={"name": slug, "plan": plan})
    OutboundMessage.objects.filter(tenant=tenant).delete()
    ContactChannelPolicy.objects.filter(tenant=tenant).delete()
    UsageCounter.objects.filter(tenant=tenant).delete()
    Connection.objects.filter(tenant=tenant).delete()
    SendBucket.objects.all().delete()
    connections = [
        integration_services.create_connection(
            tenant,
            "meta",
            name=f"Bench WhatsApp {n}",
            values={
                "phone_number_id": another_number(graph, n),
                "graph_base_url": graph.base_url,
                "access_token": graph.token,
            },
        )
        for n in range(numbers)
    ]
    return tenant, connections


def another_number(graph, n) -> str:
    """The fake's own number, then more numbers it sends from the same way."""
    from tests.fakes.graph import VERSION

    number = graph.phone_number_id if n == 0 else f"{graph.phone_number_id}{n}"
    graph.number(number).route("POST", f"/{VERSION}/{number}/messages", graph._messages)
    return number


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


def queue_messages(tenant, connection, count, prefix="4916", first=0):
    from apps.outbound import services

    started = time.perf_counter()
    ids = [
        services.create_message(
            tenant,
            channel="whatsapp_cloud",
            to=f"{prefix}{first + n:09d}",
            template=TEMPLATE,
            connection=connection,
            approve=True,
            created_by_label="bench",
        ).pk
        for n in range(count)
    ]
    return ids, count / (time.perf_counter() - started)


def interleaved(tenant, connections, count) -> list:
    """`count` messages on each connection, queued turn about (as two numbers' traffic arrives)."""
    ids = []
    for n in range(count):
        for prefix, connection in zip(("4918", "4919"), connections, strict=True):
            ids += queue_messages(tenant, connection, 1, prefix=prefix, first=n)[0]
    return ids


def flush_broker():
    subprocess.run(["redis-cli", "-n", BROKER_URL.rsplit("/", 1)[1], "flushdb"], capture_output=True)


def sent_rate(ids) -> tuple:
    """(messages sent, messages/s from the first to the last `sent_at`, most sends in any 1 s)."""
    from apps.outbound.models import OutboundMessage, Status

    times = sorted(OutboundMessage.objects.filter(pk__in=ids, status=Status.SENT).values_list("sent_at", flat=True))
    if len(times) < 2:
        return len(times), float("nan"), len(times)
    span = (times[-1] - times[0]).total_seconds()
    return len(times), (len(times) - 1) / span if span else float("nan"), max_in_one_second(times)


def max_in_one_second(times) -> int:
    most, first = 0, 0
    for last, at in enumerate(times):
        while (at - times[first]).total_seconds() >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def in_process(tenant, connection, count, settings):
    """(single path messages/s, batch dispatcher messages/s), pacing lifted, no broker."""
    from apps.outbound import services

    settings.OUTBOUND_META_RATE_PER_S, settings.OUTBOUND_META_BURST = 1e6, settings.OUTBOUND_DISPATCH_BATCH
    singles, _ = queue_messages(tenant, connection, count, prefix="4914")
    started = time.perf_counter()
    for pk in singles:
        services.dispatch(pk)
    single = count / (time.perf_counter() - started)
    batched, _ = queue_messages(tenant, connection, count, prefix="4913")
    started = time.perf_counter()
    services.drain(connection.pk)
    batch = count / (time.perf_counter() - started)
    settings.OUTBOUND_META_RATE_PER_S = float(os.environ.get("OUTBOUND_META_RATE_PER_S", 80))
    settings.OUTBOUND_META_BURST = float(os.environ["OUTBOUND_META_BURST"])
    flush_broker()
    return single, batch, sent_rate(batched)[0]


def run_worker(ids, processes):
    """Starts `celery worker --concurrency processes` on the tasks already waiting in Redis, until
    every message of `ids` is sent (or 10 minutes pass)."""
    from apps.outbound.models import OutboundMessage, Status

    worker = subprocess.Popen(
        [
            str(Path(PY).parent / "celery"),
            "-A",
            "config",
            "worker",
            "--concurrency",
            str(processes),
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
    rows = OutboundMessage.objects.filter(pk__in=ids)
    try:
        deadline = time.monotonic() + 600
        while rows.filter(status=Status.SENT).count() < len(ids) and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        worker.terminate()
        worker.wait()
    return sent_rate(ids)


def per_call_us(function, items):
    timings = []
    for item in items:
        started = time.perf_counter()
        function(item)
        timings.append((time.perf_counter() - started) * 1e6)
    return statistics.median(timings)


def preflight_costs(tenant, connection, count):
    from django.conf import settings

    from apps.outbound import batch_preflight, preflight, services
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
    size = settings.OUTBOUND_DISPATCH_BATCH
    batches = [loaded[n : n + size] for n in range(0, len(loaded), size)]
    started = time.perf_counter()
    for batch in batches:
        batch_preflight.verdicts(batch, batch_preflight.load(batch, timezone_now()))
    batch = (time.perf_counter() - started) * 1e6 / len(loaded)
    facts = [preflight.facts(message, policies.policy_of(message)) for message in loaded]
    decide = per_call_us(preflight.decide, facts)
    return fetch, check, batch, decide


def timezone_now():
    from django.utils import timezone

    return timezone.now()


def profile_drain(tenant, connection, count, settings):
    import cProfile
    import pstats

    from apps.outbound import services

    settings.OUTBOUND_META_RATE_PER_S, settings.OUTBOUND_META_BURST = 1e6, settings.OUTBOUND_DISPATCH_BATCH
    queue_messages(tenant, connection, count, prefix="4912")
    flush_broker()
    profiler = cProfile.Profile()
    profiler.runcall(services.drain, connection.pk)
    settings.OUTBOUND_META_RATE_PER_S = float(os.environ.get("OUTBOUND_META_RATE_PER_S", 80))
    settings.OUTBOUND_META_BURST = float(os.environ["OUTBOUND_META_BURST"])
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(r"apps/|requests/sessions|psycopg/cursor", 25)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--preflight", type=int, default=500)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    setup_database()
    import django

    django.setup()
    from django.conf import settings

    from tests.fakes.graph import FakeGraph

    load_before = os.getloadavg()
    with FakeGraph() as graph:
        tenant, (one, two_a, two_b) = bench_tenant(graph, numbers=3)
        baseline = baseline_posts(graph, args.messages)
        single, batched, batched_sent = in_process(tenant, one, args.messages // 2, settings)
        ids, queue_rate = queue_messages(tenant, one, args.messages)
        done, rate, most = run_worker(ids, processes=1)
        pair = interleaved(tenant, (two_a, two_b), args.messages)
        pair_done, pair_rate, _ = run_worker(pair, processes=2)
        fetch, check, batch, decide = preflight_costs(tenant, one, args.preflight)
        if args.profile:
            profile_drain(tenant, one, args.messages // 2, settings)
    pace = settings.OUTBOUND_META_RATE_PER_S
    print(f"machine: {os.cpu_count()} cores; PostgreSQL + Redis on 127.0.0.1; local Graph API server in this process")
    print(
        f"load average (1, 5, 15 min): before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, ", end=""
    )
    print("after {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    burst = settings.OUTBOUND_META_BURST or pace
    print(f"pacing: {pace:g} messages/s per number (token bucket, burst {burst:g}: any 1 s at most {pace + burst:g})")
    print(f"baseline: direct POSTs to the Graph server, one process: {baseline:8.1f} messages/s")
    print(f"create + approve + preflight + queue (API path, in-process): {queue_rate:8.1f} messages/s")
    print(
        f"in-process, pacing lifted: single path {single:8.1f} messages/s; batch dispatcher {batched:8.1f} "
        f"messages/s ({batched_sent} sent); ratio {batched / single:.1f}x"
    )
    print(
        f"one number, one worker process: {rate:8.1f} messages/s ({done}/{args.messages} sent), "
        f"{rate / pace:.2f}x the pace; most sends in any 1 s: {most}"
    )
    print(
        f"two numbers, one worker with two processes: {pair_rate:8.1f} messages/s ({pair_done}/{2 * args.messages}"
        f" sent), {pair_rate / rate:.2f}x one number"
    )
    print(
        f"preflight.check per message (median): {check:8.0f} us; batch preflight per message: {batch:6.0f} us; "
        f"fetch by primary key (baseline): {fetch:6.0f} us; ratios {check / fetch:.2f}x and {batch / fetch:.2f}x"
    )
    print(f"preflight.decide over loaded facts (median): {decide:8.1f} us")


if __name__ == "__main__":
    main()
