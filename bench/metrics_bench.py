"""What the request metrics middleware costs per request, against `GET /healthz` in the same run.

Run:  .venv/bin/python bench/metrics_bench.py [--requests 20000]

In-process, no database: Django's request handler with the full MIDDLEWARE list, and the same list
without `RequestMetricsMiddleware`, answer `GET /healthz` alternately (paired, so the machine's
load swings hit both alike). Two runs: values in this process's memory (a manage.py command, the
tests) and values in mmap'ed files (a gunicorn worker in multiprocess mode: each run of this
script re-executes itself with a group name and a scratch PROMETHEUS_MULTIPROC_DIR). Also timed
alone: the middleware's own work (one counter increment and one histogram observation with
their labels), and one full scrape of /metrics' files.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MIDDLEWARE = "apps.observability.middleware.RequestMetricsMiddleware"


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "true")
    os.environ["DATABASE_URL"] = "sqlite:///:memory:"
    import django

    django.setup()


def handlers():
    from django.conf import settings
    from django.core.handlers.base import BaseHandler
    from django.test.utils import override_settings

    with_metrics = BaseHandler()
    with_metrics.load_middleware()
    with override_settings(MIDDLEWARE=[m for m in settings.MIDDLEWARE if m != MIDDLEWARE]):
        without = BaseHandler()
        without.load_middleware()
    return with_metrics, without


def paired(requests):
    from django.test import RequestFactory

    with_metrics, without = handlers()
    factory = RequestFactory()
    times = {"with": [], "without": []}
    for n in range(requests + 200):
        for name, handler in (("with", with_metrics), ("without", without))[:: 1 if n % 2 else -1]:
            request = factory.get("/healthz", REMOTE_ADDR="127.0.0.1")
            started = time.perf_counter()
            handler.get_response(request)
            if n >= 200:
                times[name].append(time.perf_counter() - started)
    return times


def own_work(iterations):
    from apps.core import metrics_prometheus as prom

    labels = {"route": "/healthz", "method": "GET", "status": "200"}
    started = time.perf_counter()
    for _ in range(iterations):
        prom.inc(prom.HTTP_REQUESTS, **labels)
        prom.observe(prom.HTTP_DURATION, 0.001, **labels)
    return (time.perf_counter() - started) / iterations


def scrape_time(repeat=50):
    from apps.core import metrics_processes

    collector = metrics_processes.FilesCollector()
    started = time.perf_counter()
    for _ in range(repeat):
        collector.collect()
    return (time.perf_counter() - started) / repeat


def run_mode(requests):
    setup_django()
    times = paired(requests)
    with_ms = statistics.median(times["with"]) * 1000
    without_ms = statistics.median(times["without"]) * 1000
    diffs = sorted(a - b for a, b in zip(times["with"], times["without"], strict=False))
    result = {
        "healthz_without_ms": without_ms,
        "healthz_with_ms": with_ms,
        "paired_diff_us": statistics.median(diffs) * 1e6,
        "own_work_us": own_work(20000) * 1e6,
    }
    from apps.core import metrics_processes

    if metrics_processes.is_shared():
        result["scrape_files_ms"] = scrape_time() * 1000
    print(repr(result))


def child(mode, requests):
    env = {**os.environ}
    env.pop("OPSDESK_METRICS_PROCESS", None)
    with tempfile.TemporaryDirectory() as directory:
        if mode == "files":
            env.update(OPSDESK_METRICS_PROCESS="bench", PROMETHEUS_MULTIPROC_DIR=directory)
        out = subprocess.run(
            [sys.executable, __file__, "--child", "--requests", str(requests)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    return eval(out.strip().splitlines()[-1])  # our own child prints a dict of floats


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        return run_mode(args.requests)
    print(f"load average before: {os.getloadavg()}")
    for mode in ("memory", "files"):
        r = child(mode, args.requests)
        ratio = r["paired_diff_us"] / (r["healthz_without_ms"] * 1000)
        print(
            f"{mode:6}  /healthz without {r['healthz_without_ms']:.3f} ms, with {r['healthz_with_ms']:.3f} ms; "
            f"paired difference {r['paired_diff_us']:.1f} us ({ratio:.1%} of /healthz); "
            f"middleware's own work {r['own_work_us']:.1f} us"
            + (f"; one scrape of the files {r['scrape_files_ms']:.2f} ms" if "scrape_files_ms" in r else "")
        )
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
