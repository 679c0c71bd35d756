from django.db import models


class SendBucket(models.Model):
    """A token bucket shared by every worker process: one row per connection, locked while a
    token is taken, so the pace holds however many workers send (PostgreSQL or SQLite)."""

    key = models.CharField(max_length=100, primary_key=True)
    tokens = models.FloatField()
    refilled_at = models.DateTimeField()

    def __str__(self):
        return f"{self.key}: {self.tokens:.2f} tokens at {self.refilled_at:%H:%M:%S}"
