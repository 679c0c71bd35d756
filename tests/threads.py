"""Test work run by several threads released together, each on its own database connection, as
web threads, workers and processes meet in production."""

import threading

from django.db import connection


def all_at_once(count, work) -> list:
    """Runs `work()` in `count` threads that start together and returns their results in order."""
    barrier, results = threading.Barrier(count), [None] * count

    def run(index):
        try:
            barrier.wait()
            results[index] = work()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
