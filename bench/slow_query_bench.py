"""What the slow-query wrapper (apps/core/slow_queries.py) adds to every statement, in CPU time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/slow_query_bench.py

Times the wrapper around a do-nothing `execute` (best of 7, so other load on the machine does not
count), beside a pass-through wrapper and a direct call; the last line is a `SELECT 1` round trip
through Django for scale (median, noisy on a shared machine)."""

import os
import statistics
import sys
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection  # noqa: E402

from apps.core import slow_queries  # noqa: E402

CALLS = 200_000


def execute(sql, params, many, context):
    return None


def passthrough(execute_, sql, params, many, context):
    return execute_(sql, params, many, context)


def best_ns(call) -> float:
    return min(timeit.repeat(call, number=CALLS, repeat=7)) / CALLS * 1e9


def select_one_us(rounds=2000) -> float:
    with connection.cursor() as cursor:
        started = time.perf_counter()
        for _ in range(rounds):
            cursor.execute("SELECT 1")
        return (time.perf_counter() - started) / rounds * 1e6


def main():
    direct = best_ns(lambda: execute("SELECT 1", None, False, None))
    plain = best_ns(lambda: passthrough(execute, "SELECT 1", None, False, None))
    ours = best_ns(lambda: slow_queries.wrapper(execute, "SELECT 1", None, False, None))
    round_trip = statistics.median(select_one_us() for _ in range(5))
    print(f"direct call {direct:.0f} ns; pass-through wrapper {plain:.0f} ns; slow-query wrapper {ours:.0f} ns")
    print(
        f"added by the slow-query wrapper: {ours - direct:.0f} ns = {(ours - direct) / 10 / round_trip:.2f} % "
        f"of a SELECT 1 round trip through Django ({round_trip:.0f} us)"
    )


if __name__ == "__main__":
    main()
