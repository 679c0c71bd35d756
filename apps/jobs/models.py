from django.db import models


class WorkerRun(models.Model):
    """One run of a periodic or batch job: what ran, how it ended, what it counted."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    name = models.CharField(max_length=100, db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    trigger = models.CharField(max_length=32, default="schedule", help_text="schedule, manual, tick, api, page")
    params = models.JSONField(default=dict, blank=True, help_text="Keyword arguments the job ran with.")
    queued_at = models.DateTimeField(null=True, blank=True, help_text="When a person or the API asked for it.")
    started_at = models.DateTimeField(help_text="When it started, or was queued while it waits.")
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField("duration (ms)", null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    correlation_id = models.CharField(max_length=128, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["name", "-started_at"], name="workerrun_name_time")]

    def __str__(self):
        return f"{self.name} {self.status} at {self.started_at:%Y-%m-%d %H:%M:%S}"

    @property
    def error_line(self) -> str:
        """The error's first line (the exception and its message), without the traceback."""
        return self.error.splitlines()[0] if self.error else ""

    @property
    def problem_line(self) -> str:
        """The error's first line, or the error a run that went on after a partial failure kept in
        its counts (the embed job does)."""
        return self.error_line or str((self.counts or {}).get("error") or "")


class FailureAlert(models.Model):
    """When a job's failure was last announced as JOB_FAILED. One row per job; a conditional update
    of `last_alert_at` decides, across every worker, which failure announces the next hour."""

    name = models.CharField(max_length=100, unique=True)
    last_alert_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"JOB_FAILED alerts for {self.name}"
