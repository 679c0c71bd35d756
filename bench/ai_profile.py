"""Where one `POST /api/v1/ai/chat/completions` spends its time, in-process (no gunicorn, no HTTP
between client and Django): every SQL statement it runs, with its time, then a cProfile of N calls.

Run:  .venv/bin/python bench/ai_profile.py [--requests 300] [--top 40] [--sort cumulative]
Same database and local provider as bench/ai_bench.py (opsdesk_aibench, created when missing)."""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ai_bench import DB_URL, QUESTION, setup_django, tenant_key  # noqa: E402


def statements(client, body) -> list[tuple[float, str]]:
    """Each statement of one request with its wall time (perf_counter, not Django's rounded ms)."""
    from django.db import connection

    seen = []

    def timed_statement(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seen.append(((time.perf_counter() - started) * 1000, " ".join(sql.split())))

    with connection.execute_wrapper(timed_statement):
        response = client.post("/api/v1/ai/chat/completions", data=body, content_type="application/json")
    assert response.status_code == 200, response.content
    return seen


def statement_medians(client, body, n) -> list[float]:
    runs = [statements(client, body) for _ in range(n)]
    return [statistics.median(run[index][0] for run in runs) for index in range(len(runs[0]))]


def timed(client, body, n) -> list[float]:
    timings = []
    for _ in range(n):
        started = time.perf_counter()
        client.post("/api/v1/ai/chat/completions", data=body, content_type="application/json")
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def direct(provider, n) -> list[float]:
    import requests

    session, timings = requests.Session(), []
    headers = {"Authorization": f"Bearer {provider.api_key}"}
    for _ in range(n):
        started = time.perf_counter()
        session.post(f"{provider.base_url}/chat/completions", json=QUESTION, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative")
    args = parser.parse_args()

    from tests.fakes.openai_compat import OPENAI, OPENROUTER, FakeLLM

    with FakeLLM(OPENROUTER, reply_text="Yes, 7 to 10.") as openrouter, FakeLLM(OPENAI, reply_text="Yes."):
        setup_django(
            {
                "DATABASE_URL": DB_URL,
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "LOG_LEVEL": "WARNING",
                "OPENROUTER_BASE_URL": openrouter.base_url,
                "OPENROUTER_API_KEY": openrouter.api_key,
                "OPENAI_API_KEY": "",
                "ALLOWED_HOSTS": "*",
            }
        )
        from django.test import Client

        client = Client(HTTP_AUTHORIZATION=f"Bearer {tenant_key()}")
        timed(client, QUESTION, 20)
        print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
        medians = statement_medians(client, QUESTION, 100)
        for (_, sql), ms in zip(statements(client, QUESTION), medians, strict=True):
            print(f"  median {ms:6.2f} ms  {sql[:110]}")
        provider = statistics.median(direct(openrouter, args.requests))
        total = statistics.median(timed(client, QUESTION, args.requests))
        print(f"in-process request median {total:.2f} ms; direct provider call median {provider:.2f} ms")
        profiler = cProfile.Profile()
        profiler.enable()
        timed(client, QUESTION, args.requests)
        profiler.disable()
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
