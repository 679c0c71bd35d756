"""E-mail for `make run`: each message is written to .run/mail/ and announced in one log line at
INFO, instead of the console backend printing whole messages into the worker's log (where Celery
logs everything a task prints as a WARNING)."""
import logging

from django.conf import settings
from django.core.mail.backends.filebased import EmailBackend as FileBackend

logger = logging.getLogger("opsdesk.mail")


class DemoEmailBackend(FileBackend):
    def __init__(self, *args, file_path=None, **kwargs):
        super().__init__(*args, file_path=file_path or str(settings.RUN_DIR / "mail"), **kwargs)

    def send_messages(self, email_messages):
        sent = super().send_messages(email_messages)
        for message in email_messages or []:
            logger.info("demo e-mail to %s: %s (saved in %s)", ", ".join(message.recipients()), message.subject,
                        self._fname)
        return sent
