from datetime import timedelta

import pytest

from apps.jobs import registry


@pytest.fixture
def test_jobs(monkeypatch):
    """Registers test-only jobs in a copy of the registry, which the test's end throws away. Celery
    is finalized first, so beat's schedule (built once, at finalize) never holds them."""
    from config.celery import app

    app.finalize()
    monkeypatch.setattr(registry, "_JOBS", dict(registry._JOBS))
    calls = []

    @registry.register("tests.count_things", every=timedelta(hours=1))
    def count_things(*, project_id=None, batch_size=None, trigger="schedule"):
        """Counts what it was asked to count."""
        calls.append({"project_id": project_id, "batch_size": batch_size, "trigger": trigger})
        return {"project_id": project_id, "batch_size": batch_size}

    @registry.register("tests.plain", every=timedelta(hours=1))
    def plain():
        """Takes nothing."""
        calls.append({})
        return {"done": 1}

    @registry.register("tests.broken", every=timedelta(hours=1))
    def broken(*, project_id=None):
        """Always fails, like a sync with a wrong token."""
        raise RuntimeError(f"401 Unauthorized from /api/v1/accounts/7/conversations (project {project_id})")

    return calls
