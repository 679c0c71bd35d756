"""Error Center benchmark: 1,000,000 events over 50 tenants and 30 days, on PostgreSQL.

Run:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/opsdesk_bench .venv/bin/python bench/events_bench.py
Options: --events N (default 1,000,000), --runs N (default 50), --keep (reuse existing data).

Prints, with a same-run baseline (`SELECT 1` round trip, and GET /healthz for the API) so figures
from a noisy shared machine can be compared as ratios:
  - the changelist query filtered by tenant + code + last 24 h (median, p95 over --runs)
  - the grouped view's query for the last 24 h
  - one spike-detection pass
  - POST /api/v1/events/ with 1,000 events per request (events per second, and as a ratio to the
    1,284 events/s recorded before the fast validator), with where a request's time goes: the
    validation of the batch and `ingest.store_batch`, timed in-process; --profile adds the top of
    a cProfile of one request (sorted by own time). The API's figures come with the CPU per
    request of this process and of its PostgreSQL backend (from /proc), which load moves far less
    than wall time, and a `GET /healthz` measured the same way in the same run.
Use --api-only to measure only the API (no generated events needed).
"""

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.events import codes  # noqa: E402
from apps.events.ingest import fingerprint  # noqa: E402
from apps.events.models import SystemEvent  # noqa: E402

TENANTS = 50
DAYS = 30
CODES = [code for code in codes.CATALOG if not code.startswith(("HEALTH_", "ALERT_", "ERROR_SPIKE"))]


def timed(func, runs):
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def ensure_tenants():
    from apps.tenants.models import Plan, Tenant

    plan = Plan.objects.first()
    return [
        Tenant.objects.get_or_create(slug=f"bench-{i:02d}", defaults={"name": f"Bench {i}", "plan": plan})[0]
        for i in range(TENANTS)
    ]


def generate(tenants, total, now):
    """COPY rows in; codes follow a skewed distribution, as real failures do."""
    weights = [1 / (rank + 1) for rank in range(len(CODES))]
    columns = (
        "tenant_id",
        "code",
        "level",
        "category",
        "message",
        "meta",
        "source",
        "correlation_id",
        "fingerprint",
        "occurred_at",
        "created_at",
    )
    rng = random.Random(7)
    chunk = 100_000
    with connection.cursor() as cursor:
        for start in range(0, total, chunk):
            buffer = io.StringIO()
            for offset, code in enumerate(rng.choices(CODES, weights, k=min(chunk, total - start))):
                tenant = rng.choice(tenants)
                entry = codes.CATALOG[code]
                age = 1 - (start + offset + rng.random()) / total  # rows arrive in time order, as in production
                when = now - timedelta(seconds=age * DAYS * 86400)
                message = f"{entry.title} (attempt {rng.randint(1, 5)})"
                correlation = f"{rng.getrandbits(64):016x}"
                meta = json.dumps({"correlation_id": correlation})
                row = (
                    str(tenant.pk),
                    code,
                    entry.level,
                    entry.category,
                    message,
                    meta,
                    "bench",
                    correlation,
                    fingerprint(code, tenant.pk, message),
                    when.isoformat(),
                    when.isoformat(),
                )
                buffer.write("\t".join(row) + "\n")
            buffer.seek(0)
            with cursor.cursor.copy(f"COPY events_systemevent ({', '.join(columns)}) FROM STDIN") as copy:
                copy.write(buffer.read())
            print(f"  generated {start + chunk:,}", flush=True)
        cursor.execute("VACUUM ANALYZE events_systemevent")


def bench_queries(tenants, runs, now):
    from apps.events import queries, spikes

    def select_one():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    since = now - timedelta(hours=24)
    tenant, code = tenants[0], CODES[0]

    def changelist():
        qs = SystemEvent.objects.filter(tenant=tenant, code=code, occurred_at__gte=since).select_related("tenant")
        list(qs.order_by("-occurred_at", "-id")[:100])

    def grouped_view():
        groups = queries.grouped(now)
        queries.hourly_buckets(now, [(group["code"], group["tenant_id"]) for group in groups])

    baseline = timed(select_one, runs)
    report("baseline SELECT 1", baseline)
    report("changelist tenant+code+24h", timed(changelist, runs), baseline, target="p95 < 100 ms")
    report("grouped view 24h", timed(grouped_view, max(5, runs // 5)), baseline, target="< 500 ms")
    report("spike detection pass", timed(lambda: spikes.detect(now=now), max(5, runs // 5)), baseline, target="< 1 s")


def report(name, figures, baseline=None, target=""):
    median, p95 = figures
    ratio = f"  ({median / baseline[0]:.0f}x baseline median)" if baseline else ""
    print(f"{name:34s} median {median:8.2f} ms   p95 {p95:8.2f} ms{ratio}  {target}", flush=True)


def bench_api(tenants, requests_count):
    """POST /api/v1/events/ back to back with GET /healthz in the same run: wall time, and the CPU
    each takes (this process, where Django runs, and its PostgreSQL backend), which load moves far
    less than wall time. The stored rows are deleted and the table vacuumed outside the timing:
    autovacuum may be off, and dead rows left by earlier runs slow every index insert."""
    from apps.accounts.services import issue_tenant_key

    _, key = issue_tenant_key(tenants[1], name="bench")
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    body = json.dumps([{"code": "META_SEND_FAIL", "message": f"bench {i}", "meta": {"i": i}} for i in range(1000)])
    clean_table()
    healthz = timed(lambda: client.get("/healthz"), 50)
    healthz_cpu = cpu_of(lambda: client.get("/healthz"), 200)
    post = lambda: client.post("/api/v1/events/", body, content_type="application/json", **auth)  # noqa: E731
    assert post().status_code == 201  # warm: the first request of a process loads the serializers
    clean_table()
    started = time.perf_counter()
    cpu = cpu_of(lambda: check_created(post()), requests_count)
    elapsed = time.perf_counter() - started
    clean_table()
    report_api(healthz, healthz_cpu, elapsed, cpu, requests_count)
    breakdown(tenants[1], json.loads(body))
    return client, body, auth


def check_created(response):
    assert response.status_code == 201, response.content[:300]


def cpu_of(func, runs) -> tuple[float, float]:
    """Milliseconds of CPU per call: (this process, its PostgreSQL backend)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    own, database = time.process_time(), backend_cpu(backend)
    for _ in range(runs):
        func()
    return (time.process_time() - own) * 1000 / runs, (backend_cpu(backend) - database) * 1000 / runs


def backend_cpu(pid) -> float:
    """Seconds of CPU (user + system) the PostgreSQL backend has used; 0 when it runs elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def clean_table():
    SystemEvent.objects.filter(source__in=["api", "bench-breakdown"]).delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM events_systemevent")


def report_api(healthz, healthz_cpu, elapsed, cpu, requests_count):
    per_request_ms = elapsed * 1000 / requests_count
    rate = 1000 * requests_count / elapsed
    print(f"{'baseline GET /healthz':34s} median {healthz[0]:8.2f} ms   CPU {sum(healthz_cpu):.2f} ms")
    print(
        f"{'POST 1,000 events':34s} {per_request_ms:8.1f} ms/request  {rate:,.0f} events/s"
        f"  ({per_request_ms / healthz[0]:.0f}x healthz; {rate / RECORDED_BEFORE:.2f}x the recorded 1,284/s)"
    )
    python_ms, database_ms = cpu
    per_event_us = python_ms + database_ms  # ms per 1,000 events = µs per event
    print(
        f"{'  CPU per request':34s} {python_ms:8.1f} ms Python + {database_ms:.1f} ms PostgreSQL"
        f" = {per_event_us:.1f} µs per event: one core's capacity {1e6 / per_event_us:,.0f} events/s"
        f" ({(python_ms + database_ms) / sum(healthz_cpu):.0f}x a healthz's CPU)"
    )


RECORDED_BEFORE = 1284


def breakdown(tenant, items):
    """The two parts of a request that grow with the batch, timed in-process on the same 1,000
    events; the rows stored are deleted (and the table vacuumed) outside the timing."""
    from apps.events import api, ingest

    context = {"writer_tenant": tenant, "is_operator": False, "tenant_cache": {}}
    validate = timed(lambda: api.validated_batch(items, context), 10)
    events = [{**event, "source": "bench-breakdown"} for event in api.validated_batch(items, context)]
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        ingest.store_batch(events)
        samples.append((time.perf_counter() - started) * 1000)
        clean_table()
    report("  of which validation (1,000)", validate)
    report("  of which store_batch", (statistics.median(samples), max(samples)))


def profile_request(client, body, auth):
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    client.post("/api/v1/events/", body, content_type="application/json", **auth)
    profiler.disable()
    clean_table()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--api-requests", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="reuse the events already in the database")
    parser.add_argument("--api-only", action="store_true", help="measure only POST /api/v1/events/")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one 1,000-event request")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this on PostgreSQL: set DATABASE_URL (see the docstring).")
    call_command("migrate", verbosity=0)
    tenants = ensure_tenants()
    now_utc = time.strftime("%H:%M:%S UTC", time.gmtime())
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}, {now_utc}")
    if args.api_only:
        measured = bench_api(tenants, args.api_requests)
        if args.profile:
            profile_request(*measured)
        return
    now = timezone.now()
    if not args.keep or not SystemEvent.objects.exists():
        SystemEvent.objects.all().delete()
        print(f"Generating {args.events:,} events over {TENANTS} tenants and {DAYS} days…", flush=True)
        started = time.perf_counter()
        generate(tenants, args.events, now)
        print(f"  done in {time.perf_counter() - started:.1f} s")
    now = SystemEvent.objects.aggregate(latest=Max("occurred_at"))["latest"]  # "now" is the data's end
    print(f"Database {settings.DATABASES['default']['NAME']}, {SystemEvent.objects.count():,} events")
    bench_queries(tenants, args.runs, now)
    bench_api(tenants, args.api_requests)


if __name__ == "__main__":
    main()
