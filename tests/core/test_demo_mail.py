"""`make run`'s e-mail: written to a file, announced in one INFO line naming recipient and subject."""

import logging

from django.core import mail
from django.core.mail import send_mail


def test_demo_mail_is_saved_and_announced_at_info(settings, tmp_path, caplog):
    settings.EMAIL_BACKEND = "apps.core.demo_mail.DemoEmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)

    with caplog.at_level(logging.INFO, logger="opsdesk.mail"):
        send_mail(
            "[sev3] Incident #2",
            "Open the incident: http://127.0.0.1:8311/",
            "opsdesk@localhost",
            ["oncall@opsdesk.local"],
            connection=mail.get_connection(file_path=str(tmp_path)),
        )

    saved = list(tmp_path.iterdir())
    assert len(saved) == 1 and "Incident #2" in saved[0].read_text()
    records = [r for r in caplog.records if r.name == "opsdesk.mail"]
    assert [r.levelno for r in records] == [logging.INFO]
    assert "oncall@opsdesk.local: [sev3] Incident #2" in records[0].getMessage()
