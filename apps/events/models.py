from django.conf import settings
from django.db import models


class AuditQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        return self.filter(tenant=tenant)

    def update(self, **kwargs):
        raise TypeError("The audit log is append-only.")

    def delete(self):
        raise TypeError("The audit log is append-only.")


class AuditEvent(models.Model):
    """One sensitive action: who did what to which object, before and after.

    Append-only: the admin offers no add, change or delete, the model refuses updates, and on
    PostgreSQL a trigger rejects UPDATE and DELETE on the table. The actor and tenant are kept
    as plain references (no FK constraint) plus their labels, so deleting a user or tenant
    never has to touch the log."""

    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField("actor", max_length=200, blank=True, help_text="Who acted, as shown at the time.")
    tenant = models.ForeignKey(
        "tenants.Tenant",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    tenant_label = models.CharField("tenant", max_length=200, blank=True)
    action = models.CharField(max_length=100, db_index=True)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField("target ID", max_length=100, blank=True)
    target_label = models.CharField("target", max_length=300, blank=True)
    reason = models.TextField(blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    correlation_id = models.CharField("correlation ID", max_length=128, blank=True, db_index=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "-occurred_at"], name="audit_tenant_time"),
            models.Index(fields=["action", "-occurred_at"], name="audit_action_time"),
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
        ]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.action} by {self.actor_label or 'system'}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The audit log is append-only.")


class SystemEventQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        return self.filter(tenant=tenant)

    def since(self, moment):
        return self.filter(occurred_at__gte=moment)


class SystemEvent(models.Model):
    """One failure (or notable state change) the system observed, with a code from the catalog.

    The write path is `apps.events.ingest` (emit and the API); everything else reads. The level
    and category are copied from the catalog at write time so filters and the grouped view never
    join or look up, and so a later catalog change does not rewrite history."""

    tenant = models.ForeignKey(
        "tenants.Tenant",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="system_events",
        help_text="Empty for platform-wide events.",
    )
    code = models.CharField(max_length=64)
    level = models.CharField(max_length=10)
    category = models.CharField(max_length=32)
    message = models.TextField(blank=True)
    meta = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=100, blank=True, help_text="Which service or module reported it.")
    correlation_id = models.CharField("correlation ID", max_length=128, blank=True)
    fingerprint = models.CharField(max_length=64, help_text="Hash of code, tenant and normalised message.")
    incident = models.ForeignKey(
        "incidents.Incident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    inbound_event = models.ForeignKey(
        "integrations.InboundEvent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="system_events",
    )
    automation_run = models.ForeignKey(
        "integrations.AutomationRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="system_events",
    )
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SystemEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # Covering: the grouped view, dashboard and spike detection aggregate (code, tenant) over a
            # time range from the index alone (index-only scans), without visiting the heap.
            models.Index(fields=["-occurred_at"], include=["code", "tenant"], name="sysevent_time_covering"),
            models.Index(fields=["tenant", "-occurred_at"], name="sysevent_tenant_time"),
            models.Index(fields=["tenant", "code", "-occurred_at"], name="sysevent_tenant_code_time"),
            models.Index(fields=["code", "-occurred_at"], name="sysevent_code_time"),
            models.Index(fields=["category", "-occurred_at"], name="sysevent_category_time"),
            models.Index(fields=["level", "-occurred_at"], name="sysevent_level_time"),
            models.Index(fields=["correlation_id"], name="sysevent_correlation"),
            models.Index(fields=["fingerprint", "-occurred_at"], name="sysevent_fingerprint"),
        ]

    def __str__(self):
        return f"{self.code} {self.occurred_at:%Y-%m-%d %H:%M:%S}"

    @property
    def catalog_entry(self):
        from apps.events import codes

        return codes.get(self.code)


from apps.events.alert_models import AlertEvaluation, AlertRule  # noqa: E402,F401
