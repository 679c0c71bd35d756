from django.contrib import admin

from apps.core.admin_display import number
from apps.events.admin_configuration import AuditedConfigurationAdmin
from apps.events.alert_models import AlertEvaluation, AlertRule
from apps.events.metrics import choices as metric_choices


class AlertEvaluationInline(admin.TabularInline):
    model = AlertEvaluation
    fields = ("evaluated_at", "value_shown", "volume", "observed", "state_after", "transitioned")
    readonly_fields = fields
    ordering = ("-evaluated_at",)
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-evaluated_at")

    @admin.display(description="Value")
    def value_shown(self, obj):
        return number(obj.value)

    @admin.display(description="Observed")
    def observed(self, obj):
        if obj.observed_state:
            return obj.get_observed_state_display()
        minimum = obj.rule.min_volume
        if obj.value is not None and minimum and obj.volume is not None and obj.volume < minimum:
            return f"no data: below the minimum volume ({obj.volume} of {minimum})"
        return "no data"


@admin.register(AlertRule)
class AlertRuleAdmin(AuditedConfigurationAdmin):
    list_display = (
        "name",
        "metric",
        "comparison",
        "warning_at",
        "critical_at",
        "window_minutes",
        "min_volume",
        "priority",
        "enabled",
        "state",
        "last_value_shown",
        "last_evaluated_at",
    )
    list_filter = ("state", "enabled", "priority")
    search_fields = ("name", "metric")
    readonly_fields = ("state", "pending_state", "pending_count", "last_value", "last_evaluated_at", "changed_at")
    inlines = [AlertEvaluationInline]

    @admin.display(description="Warning threshold", ordering="warning_threshold")
    def warning_at(self, obj):
        return number(obj.warning_threshold)

    @admin.display(description="Critical threshold", ordering="critical_threshold")
    def critical_at(self, obj):
        return number(obj.critical_threshold)

    @admin.display(description="Last value", ordering="last_value")
    def last_value_shown(self, obj):
        return number(obj.last_value)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "metric":
            from django import forms

            return forms.ChoiceField(choices=metric_choices(), label="Metric")
        return super().formfield_for_dbfield(db_field, request, **kwargs)
