"""The checklist checks: functions registered by name that judge one item of an incident's
checklist. A runbook's checklist item names one (validated in the admin like `Runbook.checks`).

A check takes a `Run` (the incident, the item's parameters and the clock) and returns an `Outcome`:
green, failed, waiting (with `due_at` for a countdown), pending or not applicable, with a sentence
an operator reads. It may call providers: the service runs it outside any transaction.

    @checklist_check("chatwoot_health", "Chatwoot /rails/health answers 200")
    def chatwoot_health(run): ...

`manual=True` registers a helper for an item ticked by hand (it gives the item a link, and never
runs); `tickable=True` lets a person tick an automatic item (the team was told by phone)."""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

GREEN, FAILED, WAITING, PENDING, NOT_APPLICABLE = "green", "failed", "waiting", "pending", "not_applicable"


@dataclass
class Outcome:
    state: str
    detail: str
    value: dict = field(default_factory=dict)
    due_at: datetime | None = None


def green(detail, **value):
    return Outcome(GREEN, detail, value)


def failed(detail, **value):
    return Outcome(FAILED, detail, value)


def waiting(detail, due_at=None, **value):
    return Outcome(WAITING, detail, value, due_at)


def pending(detail, **value):
    return Outcome(PENDING, detail, value)


def not_applicable(detail, **value):
    return Outcome(NOT_APPLICABLE, detail, value)


@dataclass
class Run:
    """What a check sees: the incident, the item's parameters (defaults filled in), the clock and
    the item's state before this run (its `value` carries what an earlier run started)."""

    incident: object
    params: dict
    now: datetime
    previous: dict = field(default_factory=dict)
    actor: object = None


@dataclass(frozen=True)
class ChecklistCheck:
    name: str
    label: str
    func: object = None
    defaults: dict = field(default_factory=dict)
    manual: bool = False
    tickable: bool = False
    link: object = None

    def param_problems(self, params) -> str:
        """'' when `params` suit the check: known names, positive numbers."""
        if not isinstance(params, dict):
            return 'Give a JSON object, e.g. {"minutes": 15}.'
        unknown = sorted(set(params) - set(self.defaults))
        if unknown:
            known = ", ".join(self.defaults) or "none"
            return f"{self.name} takes no {', '.join(unknown)} (its parameters: {known})."
        bad = [name for name, value in params.items() if not _positive_number(value)]
        return f"{', '.join(bad)} must be a positive number." if bad else ""

    def params_for(self, params) -> dict:
        return {**self.defaults, **(params or {})}

    def run(self, incident, params, *, now=None, previous=None, actor=None) -> Outcome:
        """The check's outcome; an unexpected error is a failure that names it, never a crash."""
        context = Run(incident, self.params_for(params), now or timezone.now(), previous or {}, actor)
        try:
            return self.func(context)
        except Exception as exc:  # a check that breaks must not stop the others
            return failed(f"the check itself failed: {type(exc).__name__}: {exc}")

    def url(self, incident) -> str:
        return self.link(incident) if self.link else ""


def _positive_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


_CHECKS: dict[str, ChecklistCheck] = {}


def checklist_check(name, label, *, defaults=None, manual=False, tickable=False, link=None):
    def decorate(func):
        if name in _CHECKS and _CHECKS[name].func is not func:
            raise ValueError(f"Checklist check {name} is registered twice.")
        _CHECKS[name] = ChecklistCheck(name, label, func, dict(defaults or {}), manual, tickable, link)
        return func

    return decorate


def _load():
    from apps.incidents.checklists import restore, verification  # noqa: F401 — they register themselves


def get(name) -> ChecklistCheck | None:
    _load()
    return _CHECKS.get(name)


def names() -> list[str]:
    _load()
    return sorted(_CHECKS)


def all_checks() -> list[ChecklistCheck]:
    _load()
    return [_CHECKS[name] for name in sorted(_CHECKS)]
