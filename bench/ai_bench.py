"""AI gateway benchmark: what `POST /api/v1/ai/chat/completions` adds to a provider call.

Run:  .venv/bin/python bench/ai_bench.py [--requests 400] [--timeout 2] [--guardrails]
Needs PostgreSQL on 127.0.0.1 (database opsdesk_aibench, created when missing). --guardrails runs
bench/ai_guardrails_bench.py afterwards, so one command reports everything.

The WSGI stack is real: gunicorn with the Procfile's settings (config/gunicorn.py), one worker,
on PostgreSQL, a tenant API key, the whole gateway (policy, input guardrail, provider chain,
output guardrail, the AIRequest row and usage counters). The providers are local
OpenAI-compatible servers (tests/fakes/openai_compat.py) in this process. Each iteration makes one
direct call to the provider (requests.Session, kept alive, as the gateway's own client) and one
call through the gateway to the same provider, so the overhead is paired per iteration on this
noisy machine: overhead_i = gateway_i - direct_i.

  1. normal: OpenRouter answers; overhead median and p99 (goal <= 2 ms, <= 10 ms), and the SQL
     queries one request makes (counted in-process with Django's test client);
     baselines in the same run: GET /healthz through the same gunicorn (Django's floor), the same
     POST to an empty WSGI app under the same gunicorn settings (bench/wsgi_floor.py: the server's
     own hop) and one small ORM query (what each of the gateway's queries costs at least);
  2. first provider down, its circuit open: OpenAI answers; overhead median (goal <= 3 ms), and
     OpenRouter must get no request at all;
  3. first provider hanging, circuit closed: the first answer arrives within AI_TIMEOUT_S + 1 s.
"""

import argparse
import os
import runpy
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_URL = os.environ.get("BENCH_AI_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/opsdesk_aibench")
PORT = 8766
FLOOR_PORT = 8767  # bench/wsgi_floor.py under the same gunicorn settings
PY = sys.executable
QUESTION = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "Is breakfast included?"}]}


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def setup_django(env):
    os.environ.update(env)
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tc", "CREATE DATABASE opsdesk_aibench"], capture_output=True
    )
    subprocess.run([PY, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=os.environ, check=True, capture_output=True)
    import django

    django.setup()


def tenant_key() -> str:
    from apps.accounts import services as key_services
    from apps.ai.models import AIRequest, ProviderCircuit
    from apps.tenants.models import Plan, Tenant, UsageCounter

    plan = Plan.objects.order_by("-ai_daily_limit").first()
    tenant, _ = Tenant.objects.get_or_create(slug="ai-bench", defaults={"name": "AI bench", "plan": plan})
    Tenant.objects.filter(pk=tenant.pk).update(
        is_ai_enabled=True,
        ai_daily_limit=10**9,
        ai_monthly_limit=10**9,
        ai_daily_token_limit=10**9,
        ai_monthly_token_limit=10**9,
    )
    AIRequest.objects.filter(tenant=tenant).delete()
    UsageCounter.objects.filter(tenant=tenant).delete()
    ProviderCircuit.objects.all().delete()
    return key_services.issue_tenant_key(tenant, name="bench")[1]


def start_gunicorn(env, app="config.wsgi", port=PORT):
    """gunicorn as the Procfile's web process runs it (its settings file, so its worker class), with
    one worker; the metrics files go to a directory of the bench's own."""
    env = {**env, "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp(prefix="ai-bench-metrics-")}
    command = [str(Path(PY).parent / "gunicorn"), app, "-c", "config/gunicorn.py"]
    proc = subprocess.Popen(
        [*command, "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except requests.RequestException:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


def worker_class() -> str:
    """The worker class config/gunicorn.py gives the web process (GUNICORN_CMD_ARGS may override it)."""
    settings = runpy.run_path(str(ROOT / "config" / "gunicorn.py"))
    name = settings.get("worker_class", "sync")
    threads = f", {settings.get('threads', 1)} threads" if name == "gthread" else ""
    override = os.environ.get("GUNICORN_CMD_ARGS", "")
    return f"{name}{threads}" + (f"; GUNICORN_CMD_ARGS={override!r}" if override else "")


def paired(provider, key, n) -> dict:
    """n iterations of (direct call, gateway call, `/healthz`, the same POST to the empty WSGI app),
    after a warm-up; latencies in ms."""
    direct, gateway, empty = requests.Session(), requests.Session(), requests.Session()
    headers = {"Authorization": f"Bearer {key}"}
    url = f"http://127.0.0.1:{PORT}/api/v1/ai/chat/completions"
    timings = {"direct": [], "gateway": [], "floor": [], "hop": []}
    for index in range(n + 20):
        marks = [time.perf_counter()]
        answer = direct.post(f"{provider.base_url}/chat/completions", json=QUESTION, headers=provider_headers(provider))
        marks.append(time.perf_counter())
        through = gateway.post(url, json=QUESTION, headers=headers)
        marks.append(time.perf_counter())
        gateway.get(f"http://127.0.0.1:{PORT}/healthz")
        marks.append(time.perf_counter())
        empty.post(f"http://127.0.0.1:{FLOOR_PORT}/chat/completions", json=QUESTION, headers=headers)
        marks.append(time.perf_counter())
        assert answer.status_code == 200 and through.status_code == 200, through.text
        if index >= 20:
            for name, begun, done in zip(timings, marks[:-1], marks[1:], strict=True):
                timings[name].append((done - begun) * 1000)
    overhead = [g - d for g, d in zip(timings["gateway"], timings["direct"], strict=True)]
    return {**timings, "overhead": overhead, "provider": through.json()["provider"]}


def worker_cpu_ms(server) -> float:
    """CPU time (user + system) the gunicorn worker (the master's one child) has used so far, in ms:
    what each request costs the server, which the machine's load barely changes (wall time does)."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    fields = Path(f"/proc/{children[0]}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def cpu_per_request(server, url, n, **kwargs) -> float:
    """The worker's CPU per request over n requests (a kept-alive client; the sync worker closes)."""
    session = requests.Session()
    method = session.post if "json" in kwargs else session.get
    before = worker_cpu_ms(server)
    for _ in range(n):
        assert method(url, **kwargs).status_code == 200
    return (worker_cpu_ms(server) - before) / n


def cpu_summary(server, key, n):
    """Server CPU per gateway call against per `/healthz`: the gateway's own work, load-independent."""
    base = f"http://127.0.0.1:{PORT}"
    gateway = cpu_per_request(
        server, f"{base}/api/v1/ai/chat/completions", n, json=QUESTION, headers={"Authorization": f"Bearer {key}"}
    )
    floor = cpu_per_request(server, f"{base}/healthz", n)
    print(
        f"   gunicorn worker CPU per request: gateway {gateway:.2f} ms, GET /healthz {floor:.2f} ms "
        f"(the gateway's own CPU: {gateway - floor:.2f} ms; /proc, {n} requests each)"
    )


def provider_headers(provider):
    return {"Authorization": f"Bearer {provider.api_key}"}


def summary(name, result, goal_median, goal_p99=None):
    overhead = result["overhead"]
    median, p99 = statistics.median(overhead), percentile(overhead, 0.99)
    verdict = "meets" if median <= goal_median and (goal_p99 is None or p99 <= goal_p99) else "MISSES"
    goal = f"goal median <= {goal_median} ms" + (f", p99 <= {goal_p99} ms" if goal_p99 else "")
    print(
        f"{name}: answered by {result['provider']}; direct median {statistics.median(result['direct']):.2f} ms, "
        f"through the gateway median {statistics.median(result['gateway']):.2f} ms "
        f"(p99 {percentile(result['gateway'], 0.99):.2f} ms); overhead median {median:.2f} ms, p99 {p99:.2f} ms "
        f"[{goal}: {verdict}]"
    )
    floor, hop = statistics.median(result["floor"]), statistics.median(result["hop"])
    print(
        f"   baselines in the same run: GET /healthz through the same gunicorn median {floor:.2f} ms "
        f"(overhead = {median / floor:.1f}x it); the same POST to an empty WSGI app under the same gunicorn "
        f"settings (bench/wsgi_floor.py: the server's own hop) median {hop:.2f} ms; "
        f"one ORM query median {db_round_trip_ms():.2f} ms"
    )


def db_round_trip_ms() -> float:
    """One small ORM read (the system settings row), what each of the gateway's queries costs at least."""
    from apps.tenants.models import SystemSettings

    timings = []
    for _ in range(200):
        started = time.perf_counter()
        SystemSettings.load()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def queries_per_request(key) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    client.post("/api/v1/ai/chat/completions", data=QUESTION, content_type="application/json")
    with CaptureQueriesContext(connection) as captured:
        response = client.post("/api/v1/ai/chat/completions", data=QUESTION, content_type="application/json")
    assert response.status_code == 200, response.content
    return len(captured)


def round_trips_per_request(key) -> str:
    """Round trips to PostgreSQL of one call, on the wire (libpq's trace), through Django's WSGI
    handler as gunicorn calls it: the per-request health check and the row-security set_config
    count here, which Django's query log never shows."""
    from django.core.handlers.wsgi import WSGIHandler

    from tests import pg_wire, wsgi_calls

    handler = WSGIHandler()

    def call():
        wsgi_calls.post_json(handler, "/api/v1/ai/chat/completions", QUESTION, HTTP_AUTHORIZATION=f"Bearer {key}")

    call()
    with pg_wire.traced() as wire:
        call()
    return f"{wire.round_trips} ({'; '.join(statement[:50] + '…' for statement in wire.statements)})"


def ai_rows() -> int:
    from apps.ai.models import AIRequest

    return AIRequest.objects.filter(tenant__slug="ai-bench").count()


def open_circuit(provider):
    from datetime import timedelta

    from django.utils import timezone

    from apps.ai.models import ProviderCircuit

    now = timezone.now()
    ProviderCircuit.objects.update_or_create(
        provider=provider,
        defaults={"state": "open", "opened_at": now, "open_until": now + timedelta(hours=1), "last_error": "bench"},
    )


def close_circuits():
    from apps.ai.models import ProviderCircuit

    ProviderCircuit.objects.all().delete()


def hanging(key, timeout):
    """Scenario 3, and what every other route meanwhile gets from the same single worker: a
    `GET /healthz` sent while the call waits on the hanging provider."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        started = time.perf_counter()
        call = pool.submit(
            requests.post,
            f"http://127.0.0.1:{PORT}/api/v1/ai/chat/completions",
            json=QUESTION,
            headers={"Authorization": f"Bearer {key}"},
            timeout=60,
        )
        time.sleep(0.2)
        asked = time.perf_counter()
        assert requests.get(f"http://127.0.0.1:{PORT}/healthz", timeout=60).status_code == 200
        healthz_ms = (time.perf_counter() - asked) * 1000
        answer = call.result()
        seconds = time.perf_counter() - started
    verdict = "meets" if seconds <= timeout + 1 and answer.status_code == 200 else "MISSES"
    print(
        f"3. first provider hanging, circuit closed: answered by {answer.json().get('provider')} in "
        f"{seconds:.2f} s (AI_TIMEOUT_S = {timeout:g} s; goal <= {timeout + 1:g} s: {verdict})"
    )
    print(f"   GET /healthz sent 0.2 s into that call, through the same single worker: {healthz_ms:.1f} ms")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--timeout", type=float, default=2.0, help="AI_TIMEOUT_S of the server")
    parser.add_argument("--guardrails", action="store_true", help="also run bench/ai_guardrails_bench.py")
    args = parser.parse_args()

    from tests.fakes.openai_compat import OPENAI, OPENROUTER, FakeLLM

    with FakeLLM(OPENROUTER, reply_text="Yes, 7 to 10.") as openrouter, FakeLLM(OPENAI, reply_text="Yes.") as openai:
        env = {
            **os.environ,
            "DATABASE_URL": DB_URL,
            "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/4"),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
            "OPENROUTER_BASE_URL": openrouter.base_url,
            "OPENROUTER_API_KEY": openrouter.api_key,
            "OPENAI_BASE_URL": openai.base_url,
            "OPENAI_API_KEY": openai.api_key,
            "AI_TIMEOUT_S": str(args.timeout),
            "AI_CONNECT_TIMEOUT_S": "1",
        }
        setup_django(env)
        key = tenant_key()
        server = start_gunicorn(env)
        empty = start_gunicorn({**env, "PYTHONPATH": f"{ROOT / 'bench'}:{ROOT}"}, "wsgi_floor:application", FLOOR_PORT)
        try:
            print(
                f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
                f"gunicorn -c config/gunicorn.py, 1 worker ({worker_class()}), PostgreSQL; "
                f"{args.requests} paired requests each"
            )
            rows_before = ai_rows()
            summary("1. normal", paired(openrouter, key, args.requests), 2, 10)
            time.sleep(0.5)  # the last call's row is written after its response
            print(
                f"   AIRequest rows written after the answers: {ai_rows() - rows_before} of {args.requests + 20} calls"
            )
            cpu_summary(server, key, args.requests)
            print(f"   SQL queries per request (in-process test client): {queries_per_request(key)}")
            print(f"   PostgreSQL round trips per request (on the wire, WSGI handler): {round_trips_per_request(key)}")

            openrouter.always(openrouter.server_error(503))
            open_circuit("openrouter")
            before = len(openrouter.completions)
            summary("2. first provider down, circuit open", paired(openai, key, args.requests), 3)
            print(f"   requests that reached the down provider: {len(openrouter.completions) - before}")

            openrouter.always(openrouter.hang(args.timeout + 5))
            close_circuits()
            hanging(key, args.timeout)
        finally:
            for process in (server, empty):
                process.terminate()
                process.wait()
    if args.guardrails and (ROOT / "bench" / "ai_guardrails_bench.py").exists():
        subprocess.run([PY, str(ROOT / "bench" / "ai_guardrails_bench.py")], cwd=ROOT, check=False)


if __name__ == "__main__":
    main()
