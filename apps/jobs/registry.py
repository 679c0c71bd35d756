"""The one list of periodic jobs: name, schedule and the function that does the work.

Beat's schedule is built from here (`beat_schedule()`), `manage.py run_job <name>` runs any of
them now, and the scheduler API reads the same list."""

import inspect
from dataclasses import dataclass, field
from datetime import timedelta

from celery.schedules import crontab, schedule


@dataclass(frozen=True)
class Job:
    name: str
    func: object
    every: timedelta | None = None
    cron: dict | None = None
    description: str = ""
    options: dict = field(default_factory=dict)

    @property
    def task_name(self) -> str:
        return "apps.jobs.tasks.run_registered_job"

    @property
    def celery_schedule(self):
        if self.cron is not None:
            return crontab(**self.cron)
        return schedule(run_every=self.every)

    @property
    def parameters(self) -> list[str]:
        """The keyword arguments the job's function takes (what `params` may name); `trigger` is
        not one of them: a function that takes it gets the run's own."""
        kinds = (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        names = [p.name for p in inspect.signature(self.func).parameters.values() if p.kind in kinds]
        return [name for name in names if name != "trigger"]

    @property
    def takes_trigger(self) -> bool:
        return "trigger" in inspect.signature(self.func).parameters

    def unknown_params(self, params) -> list[str]:
        """The names in `params` the job does not take (so a run never fails on a typo)."""
        return sorted(set(params or {}) - set(self.parameters))

    @property
    def schedule_label(self) -> str:
        if self.cron is not None:
            return "cron " + " ".join(f"{key}={value}" for key, value in self.cron.items())
        return f"every {int(self.every.total_seconds())} s"


_JOBS: dict[str, Job] = {}


def register(name, *, every=None, cron=None, description=""):
    """Decorator: `@register("events.detect_spikes", every=timedelta(minutes=1))`."""
    if (every is None) == (cron is None):
        raise ValueError(f"Job {name}: give exactly one of every= or cron=.")

    def decorate(func):
        if name in _JOBS and _JOBS[name].func is not func:
            raise ValueError(f"Job {name} is registered twice.")
        _JOBS[name] = Job(
            name=name,
            func=func,
            every=every,
            cron=cron,
            description=description or (func.__doc__ or "").strip().split("\n")[0],
        )
        return func

    return decorate


def all_jobs() -> list[Job]:
    return sorted(_JOBS.values(), key=lambda job: job.name)


def get(name) -> Job:
    try:
        return _JOBS[name]
    except KeyError:
        known = ", ".join(sorted(_JOBS)) or "none"
        raise KeyError(f"Unknown job {name!r}; known jobs: {known}.") from None


def beat_schedule() -> dict:
    return {
        job.name: {"task": job.task_name, "schedule": job.celery_schedule, "args": [job.name]} for job in all_jobs()
    }
