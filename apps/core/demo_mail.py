"""E-mail for `make run`: each message is written to .run/mail/ and announced in one log line at
INFO, instead of the console backend printing whole messages into the worker's log (where Celery
logs everything a task prints as a WARNING)."""

import logging
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.filebased import EmailBackend as FileBackend

logger = logging.getLogger("opsdesk.mail")


class DemoEmailBackend(FileBackend):
    def __init__(self, *args, file_path=None, **kwargs):
        super().__init__(*args, file_path=file_path or str(settings.RUN_DIR / "mail"), **kwargs)

    def send_messages(self, email_messages):
        sent = super().send_messages(email_messages)
        where = _relative(self._fname) if sent else ""
        for message in email_messages or []:
            logger.info("demo e-mail to %s: %s (saved in %s)", ", ".join(message.recipients()), message.subject, where)
        return sent


def _relative(path):
    try:
        return str(Path(path).relative_to(settings.BASE_DIR))
    except ValueError:
        return str(path)
