from django.contrib import admin

from apps.events import configuration


class AuditedConfigurationAdmin(admin.ModelAdmin):
    """Admin for configuration rows: saves and deletes go through `events.configuration`, audited."""

    def save_model(self, request, obj, form, change):
        configuration.save(obj, changed=form.changed_data, request=request)

    def delete_model(self, request, obj):
        configuration.delete(obj, request=request)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            configuration.delete(obj, request=request)
