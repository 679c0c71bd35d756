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


class AuditedInlinesMixin:
    """For a configuration admin whose inlines are configuration too (a runbook's checklist items):
    each inline row saved or deleted goes through `events.configuration`, audited."""

    def save_formset(self, request, form, formset, change):
        """Also fills the formset's new / changed / deleted lists the admin's history message reads."""
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for row in formset.deleted_forms:
            if row.instance.pk:
                configuration.delete(row.instance, request=request)
                formset.deleted_objects.append(row.instance)
        for row in formset.forms:
            if row in formset.deleted_forms or not row.has_changed():
                continue
            created = row.instance._state.adding
            setattr(row.instance, formset.fk.name, formset.instance)
            configuration.save(row.instance, changed=row.changed_data, request=request)
            if created:
                formset.new_objects.append(row.instance)
            else:
                formset.changed_objects.append((row.instance, row.changed_data))
