"""The runbooks as a document: docs/RUNBOOKS.md is written from the runbooks data (`manage.py
runbooks_doc --write`), so the text a clone carries is the text the incident pages show."""

from apps.incidents.models import Runbook

HEADER = """# Runbooks

What Opsdesk's operators do when something breaks, one section per failure mode. Generated from the
runbooks data (Incidents → Runbooks in the admin, loaded by the incidents migrations) with
`manage.py runbooks_doc --write`; edit the data, not this file. Each runbook's checks run by
themselves from an incident's page ("Run checks"); its codes are the Error Center's event codes
(`apps/events/codes.py`).

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
    )


def render(runbooks=None) -> str:
    runbooks = list(runbooks if runbooks is not None else Runbook.objects.order_by("title"))
    contents = "\n".join(f"- [{runbook.title}](#{_anchor(runbook.title)})" for runbook in runbooks)
    return "\n".join([HEADER, "## Contents\n", contents, "", *(_section(runbook) for runbook in runbooks)])


def _anchor(title) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    kept = "".join(ch for ch in title.lower() if ch.isalnum() or ch in " -")
    return kept.replace(" ", "-")
