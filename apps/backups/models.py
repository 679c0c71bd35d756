"""Backups of the database and the restore drills that prove them. Rows are written only by
apps.backups.services; the files themselves live in the BACKUP_STORAGE storage, each beside a
`<file>.manifest.json` so that a restore needs nothing from the (lost) database."""

from django.db import models


class Backup(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    file_name = models.CharField(max_length=255, blank=True, help_text="Name of the file in the storage.")
    storage = models.CharField(max_length=64, help_text="The STORAGES alias the file was written to.")
    vendor = models.CharField(max_length=20, help_text="postgresql or sqlite.")
    size_bytes = models.BigIntegerField("size (bytes)", null=True, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    manifest = models.JSONField(default=dict, blank=True)
    encrypted = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    trigger = models.CharField(max_length=20, default="command")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveBigIntegerField("duration (ms)", null=True, blank=True)
    error = models.TextField(blank=True)
    kept_as = models.CharField(
        max_length=40, blank=True, help_text="Why retention keeps it: daily, weekly, monthly, newest."
    )
    deleted_at = models.DateTimeField(
        null=True, blank=True, help_text="When retention deleted the file (the row stays as history)."
    )

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["status", "-started_at"], name="backup_status_started")]

    def __str__(self):
        return self.file_name or f"Backup #{self.pk} ({self.get_status_display().lower()})"

    @property
    def available(self) -> bool:
        return self.status == self.Status.SUCCEEDED and self.deleted_at is None


class BackupDrill(models.Model):
    """One restore drill: the backup restored into a scratch database and checked, then dropped."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        PASSED = "passed", "Passed"
        FAILED = "failed", "Failed"

    backup = models.ForeignKey(Backup, null=True, blank=True, on_delete=models.SET_NULL, related_name="drills")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    trigger = models.CharField(max_length=20, default="command")
    scratch_database = models.CharField(max_length=200, blank=True)
    checks = models.JSONField(default=list, blank=True, help_text="Each check: name, ok, detail.")
    failed_check = models.CharField(max_length=40, blank=True)
    restore_seconds = models.FloatField("restore (s)", null=True, blank=True)
    total_seconds = models.FloatField("total (s)", null=True, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["status", "-started_at"], name="drill_status_started")]

    def __str__(self):
        return f"Restore drill #{self.pk} ({self.get_status_display().lower()})"
