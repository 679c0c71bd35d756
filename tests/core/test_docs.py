"""A clone carries its own documentation: the runbooks as text (generated from the runbooks data,
every runbook in it) and the architecture notes, linked from the README; nothing points outside
the repository."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from apps.incidents.models import Runbook

ROOT = Path(settings.BASE_DIR)


@pytest.mark.django_db
def test_every_runbook_in_the_data_is_in_docs_runbooks(capsys):
    text = (ROOT / "docs" / "RUNBOOKS.md").read_text()
    runbooks = list(Runbook.objects.all())

    assert runbooks
    missing = [runbook.slug for runbook in runbooks if f"`{runbook.slug}`" not in text or runbook.title not in text]
    assert missing == [], "run `manage.py runbooks_doc --write` after changing the runbooks data"
    call_command("runbooks_doc")
    assert capsys.readouterr().out == text, "docs/RUNBOOKS.md is out of date: run `manage.py runbooks_doc --write`"


def test_the_readme_links_the_projects_own_docs_and_nothing_outside_it():
    readme = (ROOT / "README.md").read_text()

    assert "docs/RUNBOOKS.md" in readme and "docs/ARCHITECTURE.md" in readme
    assert "../shared" not in readme
    assert (ROOT / "docs" / "ARCHITECTURE.md").is_file()


def test_the_readme_documents_every_providers_webhook():
    readme = (ROOT / "README.md").read_text()

    for header in (
        "X-Hub-Signature-256",
        "X-Webhook-Hmac",
        "X-Chatwoot-Signature",
        "webhook-signature",
        "X-Telegram-Bot-Api-Secret-Token",
        "Authorization: Bearer",
        "sign_webhook",
    ):
        assert header in readme, header
