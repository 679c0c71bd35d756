"""gunicorn settings read by the Procfile's web process (`gunicorn -c config/gunicorn.py …`).

The master names the web server's metrics files and wipes those of its previous run before any
worker starts; each worker it forks writes its own file (prometheus_client's multiprocess mode,
apps/core/metrics_processes.py), and a worker that exits has its live gauges dropped."""

from pathlib import Path

import environ

from apps.core import metrics_processes

# The master reads .env as the workers' settings will (PROMETHEUS_MULTIPROC_DIR may be there).
environ.Env.read_env(Path(__file__).resolve().parent.parent / ".env", overwrite=False)


def on_starting(server):
    metrics_processes.become("web")


def child_exit(server, worker):
    metrics_processes.process_dead(worker.pid)
