"""A mail backend (Django's locmem one) that also notes, for every message, whether a database
transaction was open while it was sent: no network call may run inside one."""

from django.core.mail.backends.locmem import EmailBackend
from django.db import connection

BACKEND = "tests.fakes.mail.TransactionCheckingBackend"
sent_in_transaction: list[bool] = []


class TransactionCheckingBackend(EmailBackend):
    def send_messages(self, messages):
        sent_in_transaction.extend(connection.in_atomic_block for _ in messages)
        return super().send_messages(messages)
