"""Metrics shared by the processes of a web server or a Celery worker (prometheus_client's
multiprocess mode), with each server's files kept apart.

A gunicorn master (config/gunicorn.py) and a Celery worker's main process (config/celery.py) call
`become(role)` before they fork: it names the process group ("web", "worker.<node name>"), deletes
that group's files left by its previous run and makes every process of the group write its values
to `<PROMETHEUS_MULTIPROC_DIR>/<type>_<pid>-<role>.db`. One directory serves web and worker on a
machine; a restarting web server wipes only its own files, never a running worker's.

`/metrics` merges the files per group and labels each series with `process="<role>"`, so a group's
restart is a counter reset Prometheus understands instead of a drop in a sum.

Any other process (manage.py commands, beat, tests) has no role: its values stay in its memory,
even when PROMETHEUS_MULTIPROC_DIR is set, so a one-off command leaves no files behind."""

import glob
import os
import re
from pathlib import Path

from prometheus_client import multiprocess, values
from prometheus_client.metrics_core import Metric

ROLE_VAR = "OPSDESK_METRICS_PROCESS"
DIR_VAR = "PROMETHEUS_MULTIPROC_DIR"
DEFAULT_DIR = Path(__file__).resolve().parent.parent.parent / ".run" / "prometheus"
_ROLE_CHARS = re.compile(r"[^A-Za-z0-9.@-]+")
_value_classes = {}


def directory() -> Path:
    return Path(os.environ.get(DIR_VAR) or DEFAULT_DIR)


def role() -> str:
    return os.environ.get(ROLE_VAR, "")


def clean_role(name) -> str:
    return _ROLE_CHARS.sub("-", str(name)).strip("-")[:60] or "process"


def become(name) -> Path:
    """This process and the ones it forks write their values to files of role `name`."""
    path = directory()
    path.mkdir(parents=True, exist_ok=True)
    os.environ[DIR_VAR] = str(path)
    os.environ[ROLE_VAR] = clean_role(name)
    wipe(os.environ[ROLE_VAR], path)
    return path


def wipe(name, path) -> int:
    files = glob.glob(os.path.join(path, f"*_*-{glob.escape(name)}.db"))
    for file in files:
        os.remove(file)
    return len(files)


def process_dead(pid, path=None):
    """What gunicorn's child_exit calls: a dead process's live gauges no longer count."""
    multiprocess.mark_process_dead(f"{pid}-{role()}", str(path or directory()))


def install_value_class():
    """prometheus_client creates each value through values.ValueClass: ours picks the file-backed
    value when this process has a role, else the in-memory one, at the moment a value is made."""
    values.ValueClass = _value


def _value(*args, **kwargs):
    name = role()
    if not name or not os.environ.get(DIR_VAR):
        return values.MutexValue(*args, **kwargs)
    if name not in _value_classes:
        _value_classes[name] = values.MultiProcessValue(lambda: f"{os.getpid()}-{name}")
    return _value_classes[name](*args, **kwargs)


def is_shared() -> bool:
    return bool(role() and os.environ.get(DIR_VAR))


class FilesCollector:
    """Every group's files in the directory, merged per group, each series labelled with its group."""

    def __init__(self, path=None):
        self.path = str(path or directory())

    def collect(self):
        families = {}
        for name, files in self.files_by_role().items():
            for metric in multiprocess.MultiProcessCollector.merge(files, accumulate=True):
                family = families.setdefault(metric.name, Metric(metric.name, metric.documentation, metric.type))
                family.samples.extend(s._replace(labels={**s.labels, "process": name}) for s in metric.samples)
        return list(families.values())

    def files_by_role(self) -> dict:
        groups = {}
        for file in sorted(glob.glob(os.path.join(self.path, "*.db"))):
            identifier = os.path.basename(file)[:-3].rsplit("_", 1)[-1]
            if "-" in identifier:
                groups.setdefault(identifier.split("-", 1)[1], []).append(file)
        return groups
