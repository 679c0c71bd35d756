from django.conf import settings
from django.db import models


class ApiKeyQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        return self.filter(tenant=tenant)

    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiKey(models.Model):
    """A bearer key for `/api/v1/`: either a tenant's (reaches that tenant's data) or an
    operator's (a staff user's; reaches the operator endpoints). Only a hash is stored; the key
    itself is shown once, when it is made."""

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True, help_text="Public part, to recognise the key.")
    key_hash = models.CharField(max_length=64)
    tenant = models.ForeignKey(
        "tenants.Tenant", null=True, blank=True, on_delete=models.CASCADE, related_name="api_keys"
    )
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="operator_api_keys"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(tenant__isnull=False, staff_user__isnull=True)
                    | models.Q(tenant__isnull=True, staff_user__isnull=False)
                ),
                name="api_key_tenant_xor_staff",
            ),
        ]

    def __str__(self):
        owner = self.tenant.slug if self.tenant_id else f"operator {self.staff_user}"
        return f"{self.name} ({self.prefix}…, {owner})"

    @property
    def is_operator_key(self):
        return self.staff_user_id is not None

    @property
    def is_revoked(self):
        return self.revoked_at is not None
