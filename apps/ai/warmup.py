"""What a process's first AI call would otherwise wait for, loaded when the process starts: the
guardrail classifier (~0.2-0.5 s). Web processes warm up in config/wsgi.py (each gunicorn worker
imports it after the fork, or the master once with --preload); Celery's pool processes on
`worker_process_init`. Not at Django's app loading, which every manage.py command would pay."""

import logging

logger = logging.getLogger("opsdesk.ai")


def warm(process: str) -> None:
    """Best effort: a classifier that cannot load is reported here and again by the first call."""
    from apps.ai.guardrails import classifier

    try:
        seconds = classifier.warm()
    except Exception:
        logger.exception("The AI guardrail classifier could not be loaded (%s).", process)
    else:
        logger.info("AI guardrail classifier loaded in %.2f s (%s).", seconds, process)


def on_worker_process_init(**kwargs) -> None:
    warm("celery worker")


def connect() -> None:
    from celery.signals import worker_process_init

    worker_process_init.connect(on_worker_process_init, dispatch_uid="ai.warmup", weak=False)
