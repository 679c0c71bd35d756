"""The runbooks as a document: docs/RUNBOOKS.md is written from the runbooks data (`manage.py
runbooks_doc --write`), so the text a clone carries is the text the incident pages show."""

from apps.incidents.models import Runbook

HEADER = """# Runbooks

What Opsdesk's operators do when something breaks, one section per failure mode. Generated from the
runbooks data (Incidents → Runbooks in the admin, loaded by the incidents migrations) with
`manage.py runbooks_doc --write`; edit the data, not this file. Each runbook's checks run by
themselves from an incident's page ("Run checks"); its codes are the Error Center's event codes
(`apps/events/codes.py`). A runbook's checklists appear on each incident that follows it: their
items run by themselves (or are ticked by hand) and gate a sev1/sev2's resolve and close.

Severity: **sev1** production outage, **sev2** partial outage or error spike, **sev3** one tenant or
degraded, **sev4** minor. Flow: detected → triaged → mitigating → resolved → closed, with a
postmortem within 24 hours for sev1 and sev2.
"""


def _section(runbook) -> str:
    checks = ", ".join(f"`{name}`" for name in runbook.checks) or "none"
    codes = ", ".join(f"`{code}`" for code in runbook.codes) or "none"
    return (
        f"## {runbook.title}\n\n`{runbook.slug}`\n\n- **Symptom:** {runbook.symptom}\n"
        f"- **Impact:** {runbook.impact}\n- **Checks (run by themselves):** {checks}\n"
        f"- **Fix:** {runbook.fix}\n- **Evidence to keep:** {runbook.evidence}\n- **Event codes:** {codes}\n"
        f"{_checklists(runbook)}"
    )


def _checklists(runbook) -> str:
    """Each stage's items: a registered check runs by itself, an item without one is ticked by hand."""
    from apps.incidents.models import STAGE_ORDER, Stage

    items = sorted(runbook.checklist_items.all(), key=lambda item: (STAGE_ORDER[item.stage], item.position, item.pk))
    lines = []
    for stage in sorted(STAGE_ORDER, key=STAGE_ORDER.get):
        rows = [item for item in items if item.stage == stage]
        if rows:
            lines.append(f"- **Checklist — {Stage(stage).label}{GATE_NOTES.get(stage, '')}:**")
            lines += [f"  - [ ] {item.label}{_how(item)}" for item in rows]
    return "\n".join(lines) + "\n" if lines else ""


GATE_NOTES = {"restore": " (a sev1/sev2 resolves once done)", "post_outage": " (a sev1/sev2 closes once done)"}


def _how(item) -> str:
    if not item.check_name:
        return " — ticked by hand"
    spec = item.spec
    params = ", ".join(f"{key}={value}" for key, value in (item.params or {}).items())
    kind = "ticked by hand" if spec is not None and spec.manual else "runs by itself"
    kind += " (or ticked by hand)" if spec is not None and spec.tickable and not spec.manual else ""
    return f" — `{item.check_name}`{f' ({params})' if params else ''}, {kind}"


def render(runbooks=None) -> str:
    runbooks = list(runbooks if runbooks is not None else Runbook.objects.order_by("title"))
    contents = "\n".join(f"- [{runbook.title}](#{_anchor(runbook.title)})" for runbook in runbooks)
    return "\n".join([HEADER, "## Contents\n", contents, "", *(_section(runbook) for runbook in runbooks)])


def _anchor(title) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    kept = "".join(ch for ch in title.lower() if ch.isalnum() or ch in " -")
    return kept.replace(" ", "-")
