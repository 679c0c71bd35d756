"""Row-level security benchmark: what the tenant wall costs, with and without it in the same run.

Run:  .venv/bin/python bench/rls_bench.py [--events 1000000] [--rounds 6] [--runs 20] [--requests 200]
Needs PostgreSQL on 127.0.0.1 with the superuser `postgres` (the owner: creates opsdesk_rlsbench,
migrates it, loads the events) and the application role `opsdesk_app` (created by the migration),
which every measurement talks as: a superuser would bypass the policies.

  1. The Error Center benchmark's queries (bench/events_bench.py) over --events events: the
     changelist query (tenant + code + 24 h) in the platform context (the admin) and in the
     tenant's own context (the portal's shape), the grouped view and one spike-detection pass.
  2. Requests through the whole Django stack, in-process: GET /api/v1/tickets/ with a tenant key
     and POST /api/v1/ai/chat/completions against a local OpenAI-compatible server, each with the
     same tenant every time (the session already holds the context: no statement) and alternating
     two tenants (one set_config per request).
  3. The two ways to set the context, as statements: one session-level set_config (what
     apps/core/db_context.py does) against BEGIN + set_config(…, true) + COMMIT (a
     transaction-local setting, which needs a transaction around the request).

--walls measures only the queries of 1 (and a whole `detect_spikes` pass) three ways: without
row-level security, under the first wall's expression and under the current one.

"With" and "without" alternate in --rounds rounds (the owner disables the tables' row-level
security and the app's execute wrapper is taken off for "without"), so the machine's load
drifts over both alike; each figure is the median over every round.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
DATABASE = "opsdesk_rlsbench"
OWNER_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
APP_URL = f"postgres://opsdesk_app@127.0.0.1:5432/{DATABASE}"
PY = sys.executable
QUESTION = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "Is breakfast included?"}]}


def prepare(env):
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tc", f"CREATE DATABASE {DATABASE}"], capture_output=True
    )
    owner = {**env, "DATABASE_URL": OWNER_URL}
    subprocess.run([PY, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=owner, check=True, capture_output=True)
    os.environ.update({**env, "DATABASE_URL": APP_URL})
    import django

    django.setup()


def as_owner(func, *args):
    """Runs `func` on Django's connection as the owner, then goes back to the app role."""
    from django.db import connection

    app_user = connection.settings_dict["USER"]
    connection.close()
    connection.settings_dict["USER"] = "postgres"
    try:
        return func(*args)
    finally:
        connection.close()
        connection.settings_dict["USER"] = app_user


# The first wall (until 2026-12-03): the platform test compared a sub-select with 'on', which the
# planner guesses true 0.5 % of the time (apps/core/row_security.py says why that mattered).
FIRST_WALL = (
    "(SELECT current_setting('app.platform', true)) = 'on' OR "
    "tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::bigint)"
)


def first_wall(connection):
    """Every tenant table walled, then its wall put back to the first version's expression."""
    from apps.core import row_security

    row_security.ensure(connection)
    quote, name = connection.ops.quote_name, row_security.POLICY
    with connection.cursor() as cursor:
        for table, *_ in row_security.tenant_tables(cursor):
            cursor.execute(
                f"DROP POLICY {name} ON {quote(table)}; "
                f"CREATE POLICY {name} ON {quote(table)} USING ({FIRST_WALL}) WITH CHECK ({FIRST_WALL})"
            )


def set_rls(on):
    """True (or "current"): the policies on every tenant table and the app's wrapper; "first":
    the same with the first wall's expression; False: neither."""
    from django.db import connection

    from apps.core import db_context, row_security

    walls = {True: row_security.ensure, "current": row_security.ensure, "first": first_wall}
    as_owner(walls.get(on, row_security.remove), connection)
    connection.ensure_connection()
    wrappers = connection.execute_wrappers
    if on and db_context.before_query not in wrappers:
        wrappers.append(db_context.before_query)
    if not on and db_context.before_query in wrappers:
        wrappers.remove(db_context.before_query)


def timed(func, runs) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def load_events(total, keep):
    import events_bench

    from apps.core import db_context
    from apps.events.models import SystemEvent

    with db_context.platform_context():
        tenants = events_bench.ensure_tenants()
        if keep and SystemEvent.objects.count() >= total:
            return tenants
        from django.utils import timezone

        def fill():
            SystemEvent.objects.all().delete()
            events_bench.generate(tenants, total, timezone.now())

        as_owner(fill)  # COPY FROM is refused on a table under row-level security; the owner bypasses
    return tenants


def query_cases(tenants):
    from django.db.models import Max
    from events_bench import CODES

    from apps.core import db_context
    from apps.events import queries, spikes
    from apps.events.models import SystemEvent
    from apps.incidents.services import detection

    with db_context.platform_context():
        now = SystemEvent.objects.aggregate(latest=Max("occurred_at"))["latest"]
    tenant, code = tenants[0], CODES[0]
    since = now - timedelta(hours=24)

    def changelist():
        qs = SystemEvent.objects.filter(tenant=tenant, code=code, occurred_at__gte=since).select_related("tenant")
        list(qs.order_by("-occurred_at", "-id")[:100])

    def grouped():
        groups = queries.grouped(now)
        queries.hourly_buckets(now, [(group["code"], group["tenant_id"]) for group in groups])

    def in_context(func, context):
        def run():
            with context():
                func()

        return run

    return {
        "changelist tenant+code+24h, platform": in_context(changelist, db_context.platform_context),
        "changelist tenant+code+24h, tenant": in_context(changelist, lambda: db_context.tenant_context(tenant)),
        "grouped view 24h, platform": in_context(grouped, db_context.platform_context),
        "spike detection pass, platform": in_context(
            lambda: spikes.spiking_tenants_by_code(now), db_context.platform_context
        ),
        "detect_spikes (incidents), platform": in_context(
            lambda: detection.detect_spikes(now), db_context.platform_context
        ),
    }


def request_cases(tenants, requests_count):
    from django.test import Client

    from apps.accounts.services import issue_tenant_key
    from apps.core import db_context

    with db_context.platform_context():
        for tenant in tenants[:2]:
            ready_for_ai(tenant)
        keys = [issue_tenant_key(tenant, name="rls-bench")[1] for tenant in tenants[:2]]
    clients = [Client(HTTP_AUTHORIZATION=f"Bearer {key}") for key in keys]
    flip = {"n": 0}

    def alternating(send):
        def run():
            flip["n"] += 1
            send(clients[flip["n"] % 2])

        return run

    def tickets(client):
        assert client.get("/api/v1/tickets/").status_code == 200

    def chat(client):
        response = client.post("/api/v1/ai/chat/completions", data=QUESTION, content_type="application/json")
        assert response.status_code == 200, response.content[:300]

    return {
        "GET /api/v1/tickets/, same tenant": lambda: tickets(clients[0]),
        "GET /api/v1/tickets/, alternating tenants": alternating(tickets),
        "POST ai/chat/completions, same tenant": lambda: chat(clients[0]),
        "POST ai/chat/completions, alternating": alternating(chat),
    }


def ready_for_ai(tenant):
    from apps.tenants.models import Tenant

    Tenant.objects.filter(pk=tenant.pk).update(
        is_ai_enabled=True,
        ai_daily_limit=10**9,
        ai_monthly_limit=10**9,
        ai_daily_token_limit=10**9,
        ai_monthly_token_limit=10**9,
    )


def measure_statements(rounds, runs):
    results = {name: [] for name in statement_cases()}
    for _ in range(rounds):
        for name, func in statement_cases().items():
            func()
            results[name].extend(timed(func, runs))
    medians = {name: statistics.median(samples) for name, samples in results.items()}
    for name, median in medians.items():
        print(f"{name:46s} median {median:8.3f} ms")
    session, local = medians.values()
    print(f"{'transaction-local / session-level':46s} ratio {local / session:5.2f}")


def statement_cases():
    """The two ways of setting the context, as the statements each costs per request."""
    from django.db import connection, transaction

    from apps.core import db_context

    def session_level():
        db_context.apply(connection, db_context.RlsState(tenant_id="1"))

    def transaction_local():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('app.tenant_id', %s, true)", ["1"])

    return {"one session-level set_config": session_level, "BEGIN + local set_config + COMMIT": transaction_local}


def measure(cases, rounds, runs):
    """{name: {True: samples, False: samples}}, "with" and "without" alternating per round."""
    results = {name: {True: [], False: []} for name in cases}
    for round_number in range(rounds):
        for on in (True, False) if round_number % 2 == 0 else (False, True):
            set_rls(on)
            for name, func in cases.items():
                func()  # warm-up
                results[name][on].extend(timed(func, runs))
    set_rls(True)
    return results


def measure_walls(cases, rounds, runs):
    """{name: {mode: samples}} for no RLS, the first wall and the current one, their order
    rotating every round so the machine's drift falls on all three alike."""
    modes = [False, "first", "current"]
    results = {name: {mode: [] for mode in modes} for name in cases}
    for round_number in range(rounds):
        for mode in modes[round_number % 3 :] + modes[: round_number % 3]:
            set_rls(mode)
            for name, func in cases.items():
                func()  # warm-up (and the first plan)
                results[name][mode].extend(timed(func, runs))
    set_rls(True)
    return results


def report_walls(results):
    for name, samples in results.items():
        without, first, current = (statistics.median(samples[mode]) for mode in (False, "first", "current"))
        print(
            f"{name:46s} no RLS {without:8.2f} ms   first wall {first:8.2f} ms ({first / without:4.2f}x)   "
            f"current wall {current:8.2f} ms ({current / without:4.2f}x)",
            flush=True,
        )


def report(results):
    for name, samples in results.items():
        with_rls, without = statistics.median(samples[True]), statistics.median(samples[False])
        print(
            f"{name:46s} with RLS {with_rls:8.2f} ms   without {without:8.2f} ms   "
            f"ratio {with_rls / without:5.2f}   (+{with_rls - without:6.2f} ms)",
            flush=True,
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--runs", type=int, default=20, help="timed runs per case and round")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per case and round")
    parser.add_argument("--keep", action="store_true", help="reuse the events already loaded")
    parser.add_argument("--load-only", action="store_true", help="load the events, measure nothing")
    parser.add_argument(
        "--walls", action="store_true", help="only the queries: no RLS, the first wall, the current wall"
    )
    args = parser.parse_args()

    from tests.fakes.openai_compat import OPENAI, OPENROUTER, FakeLLM

    with FakeLLM(OPENROUTER, reply_text="Yes, 7 to 10.") as openrouter, FakeLLM(OPENAI, reply_text="Yes.") as openai:
        env = {
            "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/4"),
            "CELERY_TASK_ALWAYS_EAGER": "1",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "LOG_LEVEL": "WARNING",
            "OPENROUTER_BASE_URL": openrouter.base_url,
            "OPENROUTER_API_KEY": openrouter.api_key,
            "OPENAI_BASE_URL": openai.base_url,
            "OPENAI_API_KEY": openai.api_key,
        }
        prepare(env)
        started = time.perf_counter()
        tenants = load_events(args.events, args.keep)
        print(f"{args.events:,} events ready in {time.perf_counter() - started:.0f} s")
        if args.load_only:
            return
        if args.walls:
            report_walls(measure_walls(query_cases(tenants), args.rounds, args.runs))
            print(f"load average {os.getloadavg()[0]:.2f} at the end")
            return
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start")
        report(measure(query_cases(tenants), args.rounds, args.runs))
        report(measure(request_cases(tenants, args.requests), args.rounds, args.requests))
        measure_statements(args.rounds, args.requests)
        print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
