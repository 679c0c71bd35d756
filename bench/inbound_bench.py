"""Inbound webhook benchmark: gunicorn as in the Procfile, on PostgreSQL and Redis.

Run:  .venv/bin/python bench/inbound_bench.py [--seconds 10] [--concurrency 8] [--events 2000]
Needs PostgreSQL (database opsdesk_bench, created when missing) and Redis (db 14) on 127.0.0.1.

Measures in one run, so the figures compare as ratios on a noisy shared machine:
  1. the ceiling: GET /healthz (a trivial view) on the same server, at the same concurrency;
  2. ingest: POST /webhooks/meta/ with signed deliveries (one new message each), requests/s and
     p50/p99 latency; the ratio to the ceiling is the figure the issue names (target >= 50 %);
  3. the same at a lower concurrency (below saturation) for the p99 target (< 50 ms);
  4. processing capacity: one Celery worker (one process) draining --events stored Chatwoot
     messages, each published the way a webhook delivery publishes it (one task per delivery),
     events per second from the first processed until the last task is consumed;
  5. both at once: the ingest load at --concurrency with that worker running beside gunicorn, the
     backlog when the load stops and how long the worker needs for it.
The figure the throughput issue names is capacity (4) / ingest (2), goal >= 1.0. Beside the rates
it prints CPU seconds (user + system, read from /proc for the process and its children, which load
moves far less than wall time): the web's per delivery in (2), the worker's per event in (4).

  .venv/bin/python bench/inbound_bench.py --profile chatwoot|meta [--events 1000] [--top 25]
runs no server: it stores --events Chatwoot (or Meta) messages and drains them in this process,
once timed (CPU and statements per event) and once under cProfile, and prints where the time goes.
Set BENCH_DATABASE_URL / BENCH_BROKER_URL to use another database or Redis db.
"""

import argparse
import cProfile
import hashlib
import hmac
import http.client
import json
import os
import pstats
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(os.environ.get("BENCH_ROOT") or Path(__file__).resolve().parent.parent)  # BENCH_ROOT: a "before" tree
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/opsdesk_bench")
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")
SECRET, PHONE_ID, PORT = "bench-app-secret", "555000111", 8765
ENV = {
    **os.environ,
    "DATABASE_URL": DB_URL,
    "CELERY_BROKER_URL": BROKER_URL,
    "META_APP_SECRET": SECRET,
    "LOG_LEVEL": "WARNING",
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "PYTHONPATH": str(ROOT),
}
PY = sys.executable
TICK = os.sysconf("SC_CLK_TCK")


def tree_cpu(pid) -> float:
    """CPU seconds (user + system) used so far by process `pid` and its live descendants."""
    parents, cpu = {}, {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
            cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / TICK
    tree, grew = {pid}, True
    while grew:
        more = {child for child, parent in parents.items() if parent in tree} - tree
        tree, grew = tree | more, bool(more)
    return sum(cpu.get(member, 0.0) for member in tree)


def manage(*args):
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=ENV, check=True, stdout=subprocess.DEVNULL)


def setup_data():
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tc", f"CREATE DATABASE {DB_URL.rsplit('/', 1)[1]}"],
        capture_output=True,
    )
    manage("migrate", "--noinput")
    script = f"""
from apps.integrations.models import Connection, InboundEvent
from apps.integrations import services
from apps.tenants.models import Plan, Tenant
InboundEvent.objects.all().delete()
plan = Plan.objects.order_by('-monthly_message_limit').first()
tenant, _ = Tenant.objects.get_or_create(slug='bench', defaults={{'name': 'Bench', 'plan': plan}})
if not Connection.objects.filter(provider='meta', external_key='{PHONE_ID}').exists():
    services.create_connection(tenant, 'meta', values={{'phone_number_id': '{PHONE_ID}'}})
chatwoot = Connection.objects.filter(tenant=tenant, provider='chatwoot').first() or services.create_connection(tenant, 'chatwoot')
print(chatwoot.pk)
"""
    out = subprocess.run(
        [PY, "manage.py", "shell", "-c", script], cwd=ROOT, env=ENV, check=True, capture_output=True, text=True
    )
    subprocess.run(["redis-cli", "-n", BROKER_URL.rsplit("/", 1)[1], "flushdb"], capture_output=True)
    return out.stdout.strip().splitlines()[-1]


def start_gunicorn():
    proc = subprocess.Popen(
        [
            str(Path(PY).parent / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "2",
            "--timeout",
            "30",
        ],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


def meta_request(sender="4915100000000"):
    message = {
        "from": sender,
        "id": f"wamid.{uuid.uuid4().hex}",
        "timestamp": str(int(time.time())),
        "type": "text",
        "text": {"body": "Hello, is the pool open?"},
    }
    body = json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "WABA",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {"phone_number_id": PHONE_ID},
                                "contacts": [{"wa_id": sender, "profile": {"name": "Bench"}}],
                                "messages": [message],
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return "POST", "/webhooks/meta/", body, {"Content-Type": "application/json", "X-Hub-Signature-256": signature}


def healthz_request():
    return "GET", "/healthz", None, {}


def load(make_request, seconds, concurrency):
    latencies, errors, stop = [], [], time.monotonic() + seconds
    lock = threading.Lock()

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        mine = []
        while time.monotonic() < stop:
            method, path, body, headers = make_request()
            started = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                errors.append(response.status)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    started = time.monotonic()
    [t.start() for t in threads]
    [t.join() for t in threads]
    elapsed = time.monotonic() - started
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies),
        "p99": latencies[int(len(latencies) * 0.99) - 1],
        "requests": len(latencies),
        "errors": len(errors),
    }


def start_empty():
    """No stored events and no queued tasks, so one measurement never works off another's."""
    psql("DELETE FROM integrations_inboundevent")
    subprocess.run(["redis-cli", "-n", BROKER_URL.rsplit("/", 1)[1], "flushdb"], capture_output=True)


def psql(query):
    return subprocess.run(["psql", DB_URL, "-tAc", query], capture_output=True, text=True).stdout.strip()


def queue_length():
    db = BROKER_URL.rsplit("/", 1)[1]
    out = subprocess.run(["redis-cli", "-n", db, "llen", "celery"], capture_output=True, text=True).stdout
    return int(out.strip() or 0)


def start_worker():
    return subprocess.Popen(
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
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_until_ready(worker, timeout=120):
    """Until the worker's pool process exists (it forks once Django and Celery are loaded, which
    takes far longer than 3 s on a loaded machine), then a second for it to connect."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children")
        if children.exists() and children.read_text().strip():
            break
        time.sleep(0.2)
    time.sleep(1)


def stop(process):
    process.terminate()
    process.wait()


def processing_throughput(chatwoot_id, events) -> tuple[float, float]:
    """Stores `events` Chatwoot messages (integer ids, as Chatwoot's) and publishes one task per
    event, as `inbox.store` does for a delivery of one message (one task per id before batching, one
    drain per delivery after). Returns (events/s, the worker's CPU seconds per event), the CPU
    counted from the first poll that saw processed events to the end."""
    script = f"""
from apps.integrations.models import InboundEvent, Connection
from apps.integrations import inbox
c = Connection.objects.get(pk='{chatwoot_id}')
rows = [InboundEvent(provider='chatwoot', connection=c, tenant_id=c.tenant_id, external_id=f'message_created:bench-{{n}}',
        event_type='message_created', raw_body='{{}}', payload={{'event': 'message_created', 'id': 1000000 + n,
        'content': 'hello', 'message_type': 'incoming', 'conversation': {{'id': n % 50}}}}) for n in range({events})]
InboundEvent.objects.bulk_create(rows, batch_size=1000)
ids = list(InboundEvent.objects.filter(provider='chatwoot', status='received').order_by('id').values_list('id', flat=True))
publish_one = getattr(inbox, 'enqueue_drain', inbox.enqueue)
for pk in ids:
    publish_one([pk])
"""
    start_empty()
    subprocess.run([PY, "manage.py", "shell", "-c", script], cwd=ROOT, env=ENV, check=True)
    worker = start_worker()
    query = "SELECT count(*), min(processed_at) FROM integrations_inboundevent WHERE provider='chatwoot' AND status='processed'"
    epoch = (
        "SELECT extract(epoch from now() - min(processed_at)) FROM integrations_inboundevent WHERE provider='chatwoot'"
    )
    first = None
    try:
        while True:
            done = int(psql(query).split("|")[0])
            if first is None and done:
                first = (done, tree_cpu(worker.pid))
            if done >= events and queue_length() == 0:
                cpu = (tree_cpu(worker.pid) - first[1]) / max(done - first[0], 1)
                return events / float(psql(epoch)), cpu
            time.sleep(0.2)
    finally:
        stop(worker)


def meta_backlog():
    return int(psql("SELECT count(*) FROM integrations_inboundevent WHERE provider='meta' AND status <> 'processed'"))


def ingest_with_worker(seconds, concurrency):
    """The ingest load with one worker process running beside gunicorn on the same cores."""
    start_empty()
    worker = start_worker()
    wait_until_ready(worker)
    try:
        ingest = load(meta_request, seconds, concurrency)
        backlog = meta_backlog()
        started = time.monotonic()
        while meta_backlog() and time.monotonic() - started < 300:
            time.sleep(0.2)
        return ingest, backlog, time.monotonic() - started
    finally:
        stop(worker)


def profile_drain(kind, chatwoot_id, events, top):
    """In this process: drain `events` stored messages once timed, then again under cProfile."""
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)  # Celery puts the working directory first on sys.path
    import django

    django.setup()
    from django.db import connection

    statements = []
    with connection.execute_wrapper(lambda execute, *a: statements.append(1) or execute(*a)):
        store_for_profile(kind, chatwoot_id, events)
        statements.clear()
        cpu, wall = time.process_time(), time.perf_counter()
        drained = drain_everything()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"{kind}: {drained} events drained in-process (load average {os.getloadavg()[0]:.2f})")
    print(f"  CPU {1000 * cpu / drained:.2f} ms per event (one core: {drained / cpu:.0f} events/s)")
    print(f"  wall {1000 * wall / drained:.2f} ms per event; statements {len(statements) / drained:.2f} per event")
    store_for_profile(kind, chatwoot_id, events)
    profiler = cProfile.Profile()
    profiler.runcall(drain_everything)
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def drain_everything() -> int:
    from apps.integrations import processing

    drained = 0
    while True:
        counts = processing.drain([])
        drained += sum(number for outcome, number in counts.items() if outcome != "more")
        if not counts or "more" not in counts:
            return drained


def store_for_profile(kind, chatwoot_id, events):
    """`events` new messages stored as the webhook stores them (no task published): Chatwoot ones
    across 50 conversations, or Meta ones from 50 contacts."""
    from django.utils import timezone

    from apps.integrations import inbox
    from apps.integrations.meta import webhook
    from apps.integrations.models import Connection, InboundEvent

    InboundEvent.objects.all().delete()
    if kind == "chatwoot":
        connection = Connection.objects.get(pk=chatwoot_id)
        items = [
            (connection, f"message_created:profile-{uuid.uuid4().hex}", "message_created", chatwoot_payload(n))
            for n in range(events)
        ]
    else:
        bodies = [json.loads(meta_request(sender=f"49151{n % 50:08d}")[2]) for n in range(events)]
        items = [(i.connection, i.external_id, i.event_type, i.payload) for b in bodies for i in webhook.items(b)]
    now = timezone.now()
    rows = [
        InboundEvent(
            provider=c.provider,
            connection=c,
            tenant_id=c.tenant_id,
            external_id=x,
            event_type=t,
            payload=p,
            raw_body="{}",
            received_at=now,
            updated_at=now,
        )
        for c, x, t, p in items
    ]
    for start in range(0, len(rows), 500):
        inbox.insert_new(rows[start : start + 500])


def chatwoot_payload(n) -> dict:
    return {
        "event": "message_created",
        "id": 2_000_000 + n + int(time.time()) % 100_000 * 10_000,
        "content": "Is the pool open?",
        "message_type": "incoming",
        "created_at": int(time.time()),
        "sender": {"id": 500 + n % 50, "name": "Bench", "type": "contact"},
        "conversation": {"id": 1 + n % 50, "inbox_id": 1, "meta": {"sender": {"id": 500 + n % 50, "name": "Bench"}}},
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--low-concurrency", type=int, default=2)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--profile", choices=["chatwoot", "meta"])
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    chatwoot_id = setup_data()
    if args.profile:
        return profile_drain(args.profile, chatwoot_id, args.events, args.top)
    server = start_gunicorn()
    try:
        load(healthz_request, 2, args.concurrency)
        ceiling = load(healthz_request, args.seconds, args.concurrency)
        web_cpu = tree_cpu(server.pid)
        ingest = load(meta_request, args.seconds, args.concurrency)
        web_cpu = (tree_cpu(server.pid) - web_cpu) / ingest["requests"]
        gentle = load(meta_request, args.seconds, args.low_concurrency)
    finally:
        server.terminate()
        server.wait()
    print(f"machine: {os.cpu_count()} cores; gunicorn 2 workers; load generator in this process")
    print(
        f"ceiling GET /healthz   c={args.concurrency}: {ceiling['rps']:8.1f} req/s"
        f"  p50 {ceiling['p50']:6.2f} ms  p99 {ceiling['p99']:6.2f} ms"
    )
    print(
        f"ingest POST /webhooks/meta/ c={args.concurrency}: {ingest['rps']:8.1f} req/s  p50 {ingest['p50']:6.2f} ms  "
        f"p99 {ingest['p99']:6.2f} ms  errors {ingest['errors']}"
    )
    print(f"ingest / ceiling: {100 * ingest['rps'] / ceiling['rps']:.1f} %  (target >= 50 %)")
    print(
        f"ingest below saturation c={args.low_concurrency}: {gentle['rps']:8.1f} req/s  p50 {gentle['p50']:6.2f} ms  "
        f"p99 {gentle['p99']:6.2f} ms  (target p99 < 50 ms)"
    )
    print(f"web CPU per delivery (gunicorn, both workers): {1000 * web_cpu:.2f} ms")
    rate, worker_cpu = processing_throughput(chatwoot_id, args.events)
    print(f"processing capacity, one worker process: {rate:.1f} events/s over {args.events} Chatwoot messages")
    print(f"worker CPU per event: {1000 * worker_cpu:.2f} ms (one core: {1 / worker_cpu:.0f} events/s)")
    print(f"processing / ingest: {rate / ingest['rps']:.2f}  (goal >= 1.0)")
    print(f"worker CPU per event / web CPU per delivery: {worker_cpu / web_cpu:.2f}")
    server = start_gunicorn()
    try:
        both, backlog, drained_in = ingest_with_worker(args.seconds, args.concurrency)
    finally:
        stop(server)
    print(
        f"ingest with the worker running c={args.concurrency}: {both['rps']:8.1f} req/s, "
        f"{both['requests']} stored; backlog when the load stopped {backlog}, processed {drained_in:.1f} s later"
    )
    print(f"load average: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
