"""Knowledge search benchmarks, one section each (issue 18's "Measured"): run all, or one with --only.

Run:  .venv/bin/python bench/knowledge_bench.py [--only sync|embed|eval|search] [--conversations 400]
      [--messages 50]
Needs PostgreSQL on 127.0.0.1 (each section creates and migrates its own database when missing).

Sections:
  sync    this file: the real Chatwoot sync from a local Chatwoot (tests/fakes/chatwoot.py, a real
          HTTP server on 127.0.0.1) into PostgreSQL: --conversations × --messages messages, re-chunked
          as the sync does; messages/s (goal >= 1,000) and its ratio to a bare bulk insert of the same
          rows in the same run, then a second, incremental run with nothing new (requests and time).
  embed   bench/knowledge_embed.py (the embeddings part)
  eval, search   bench/knowledge_search.py --only eval|search (the search part)

A section is a function taking the parsed arguments, registered with `@section(name)`; a section
living in its own script is registered with `script_section(name, path, *args)` and runs in a
subprocess (each script sets Django up on its own database).
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
PY = sys.executable
SYNC_DB = os.environ.get("BENCH_SYNC_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/opsdesk_bench_sync")
SECTIONS = {}
WORDS = (
    "check-in breakfast parking late check-out cancel booking refund wifi room pool spa shuttle airport "
    "appointment insurance blood test results prescription reception doctor reserva cancelar quarto "
    "pequeno-almoço estacionamento consulta seguro análisis habitación desayuno aparcamiento cita"
).split()


def section(name):
    def register(func):
        SECTIONS[name] = func
        return func

    return register


def script_section(name, script, *args):
    def run(_args):
        path = ROOT / "bench" / script
        if not path.exists():
            print(f"[{name}] {script} is not there yet; skipped")
            return
        subprocess.run([PY, str(path), *args], cwd=ROOT, check=True)

    SECTIONS[name] = run


# --- sync ---------------------------------------------------------------------------------------------


def prepare_database(url):
    name = url.rsplit("/", 1)[1]
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-tc", f"CREATE DATABASE {name}"], capture_output=True)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings", "LOG_LEVEL": "WARNING"}
    subprocess.run([PY, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    os.environ.update({key: env[key] for key in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "LOG_LEVEL")})
    import django

    django.setup()


def fill(fake, conversations, messages, rng):
    for _ in range(conversations):
        conversation = fake.add_conversation(status=rng.choice(["open", "resolved", "pending"]))
        for n in range(messages):
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30)))
            fake.add_message(conversation["id"], text, message_type="incoming" if n % 2 == 0 else "outgoing")


def fresh_source(fake, slug):
    from apps.integrations.models import Connection
    from apps.knowledge.models import Project, ProjectSource
    from apps.tenants.models import Plan, Tenant

    Tenant.objects.filter(slug=slug).delete()
    limits = {"monthly_message_limit": 1000, "bot_limit": 1, "ai_daily_limit": 10, "ai_monthly_limit": 100}
    plan, _ = Plan.objects.get_or_create(name="Bench", defaults=limits)
    tenant = Tenant.objects.create(slug=slug, name=slug, plan=plan)
    connection = Connection(
        tenant=tenant, provider="chatwoot", name="bench", settings={"base_url": fake.url, "account_id": fake.account_id}
    )
    connection.set_secrets(api_token=fake.token)
    connection.save()
    project = Project.objects.create(tenant=tenant, slug=slug, name=slug)
    return ProjectSource.objects.create(tenant=tenant, project=project, connection=connection)


def bare_insert(fake, source) -> float:
    """The baseline: the same messages as model rows, one plain bulk INSERT (1,000 rows a statement)
    in one transaction: no HTTP, no conflict handling, no chunks."""
    from django.db import transaction

    from apps.knowledge import messages as rows
    from apps.knowledge.models import ChatwootMessage

    started = time.perf_counter()
    objects = [rows.row(source, cid, m) for cid, listed in fake.messages.items() for m in listed]
    with transaction.atomic():
        ChatwootMessage.objects.bulk_create(objects, batch_size=1000)
    return time.perf_counter() - started


@section("sync")
def run_sync(args):
    import random

    prepare_database(SYNC_DB)
    from apps.knowledge import sync
    from tests.fakes.chatwoot import FakeChatwoot

    rng = random.Random(18)
    total = args.conversations * args.messages
    with FakeChatwoot(account_id=1, token="bench") as fake:
        fill(fake, args.conversations, args.messages, rng)
        synced, baseline = [], []
        for attempt in range(args.runs):
            source = fresh_source(fake, f"bench-sync-{attempt}")
            started = time.perf_counter()
            counts = sync.sync_source(source)
            synced.append(time.perf_counter() - started)
            assert counts["messages_new"] == total, counts
            before = len(fake.requests)
            started = time.perf_counter()
            again = sync.sync_source(source)
            incremental = (time.perf_counter() - started, len(fake.requests) - before, again["messages_new"])
            baseline.append(bare_insert(fake, fresh_source(fake, f"bench-base-{attempt}")))
        report(total, counts, synced, baseline, incremental)


def report(total, counts, synced, baseline, incremental):
    sync_s, base_s = statistics.median(synced), statistics.median(baseline)
    print(f"sync: {total:,} messages in {counts['conversations_changed']} conversations, {counts['requests']} requests")
    print(f"  real sync (HTTP + upsert + re-chunk): {sync_s:.2f} s = {total / sync_s:,.0f} messages/s (goal >= 1,000)")
    print(f"  baseline, a bare bulk INSERT of the same rows: {base_s:.2f} s = {total / base_s:,.0f} messages/s")
    print(f"  of which re-chunking (apps.knowledge.chunking): {counts['rechunk_ms'] / 1000:.2f} s in the last run")
    print(f"  ratio sync / baseline time: {sync_s / base_s:.1f}x; runs: {', '.join(f'{s:.2f}' for s in synced)} s")
    seconds, requests_made, new = incremental
    print(f"  second run, nothing new: {seconds * 1000:.0f} ms, {requests_made} request(s), {new} new messages")


script_section("embed", "knowledge_embed.py")
script_section("eval", "knowledge_search.py", "--only", "eval")
script_section("search", "knowledge_search.py", "--only", "search")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(SECTIONS))
    parser.add_argument("--conversations", type=int, default=400)
    parser.add_argument("--messages", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for name in [args.only] if args.only else list(SECTIONS):
        print(f"== {name}")
        SECTIONS[name](args)


if __name__ == "__main__":
    main()
