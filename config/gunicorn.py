"""gunicorn settings read by the Procfile's web process (`gunicorn -c config/gunicorn.py …`).

The master names the web server's metrics files and wipes those of its previous run before any
worker starts; each worker it forks writes its own file (prometheus_client's multiprocess mode,
apps/core/metrics_processes.py), and a worker that exits has its live gauges dropped.

Workers are threaded (gthread) and keep connections alive: a client that sends its next request on
the same connection (n8n, the OpenAI SDKs, a reverse proxy with upstream keep-alive) skips a TCP
handshake and the sync worker's accept-per-request, and one slow request (an AI call waiting on a
provider, up to AI_TIMEOUT_S per provider) no longer stops every other request to its worker.
The price: ~0.5-0.7 ms more worker CPU per cheap request than the sync worker (measured against
it in bench/RESULTS.md, "AI gateway"); WEB_WORKER_CLASS=sync with WEB_THREADS=1 goes back. Each
thread holds its own database connection (CONN_MAX_AGE): PostgreSQL's max_connections must cover
WEB_CONCURRENCY x WEB_THREADS plus the Celery workers."""

import os
from pathlib import Path

import environ

from apps.core import metrics_processes

# The master reads .env as the workers' settings will (PROMETHEUS_MULTIPROC_DIR may be there).
environ.Env.read_env(Path(__file__).resolve().parent.parent / ".env", overwrite=False)

worker_class = os.environ.get("WEB_WORKER_CLASS", "gthread")
threads = int(os.environ.get("WEB_THREADS", "4"))
keepalive = int(os.environ.get("WEB_KEEPALIVE_S", "5"))
# The worker's heartbeat touches a file after every request; on a disk-backed /tmp that is a
# filesystem write per request (gunicorn's docs advise memory for it).
worker_tmp_dir = os.environ.get("WEB_WORKER_TMP_DIR") or ("/dev/shm" if os.path.isdir("/dev/shm") else None)


def on_starting(server):
    metrics_processes.become("web")


def child_exit(server, worker):
    metrics_processes.process_dead(worker.pid)
