"""Admin actions that ask for a reason (and sometimes more) on a confirmation page before they
call a service. Every kill switch and sensitive bulk change goes through here."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.text import slugify

from apps.core.errors import ServiceError


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        required=False,
        help_text="Required. Say why: it goes into the audit log.",
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("A reason is required to change a switch: say why, for the audit log.")
        return reason


def confirmed_action(*, description, apply, form_class=ReasonForm, permissions=("change",), success=None):
    """Builds an admin action that shows `form_class` for the selected rows, then calls
    `apply(obj, form.cleaned_data, request)` for each; refusals become error messages."""

    @admin.action(description=description, permissions=list(permissions))
    def action(modeladmin, request, queryset):
        form = form_class(request.POST if "confirm" in request.POST else None)
        if "confirm" in request.POST and form.is_valid():
            return _apply_all(modeladmin, request, queryset, apply, form.cleaned_data, success or description)
        return TemplateResponse(
            request,
            "admin/opsdesk/confirm_action.html",
            {
                **modeladmin.admin_site.each_context(request),
                "title": description,
                "objects": queryset,
                "form": form,
                "action_name": request.POST.get("action"),
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "select_across": request.POST.get("select_across", "0"),
                "opts": modeladmin.model._meta,
            },
        )

    action.__name__ = slugify(description).replace("-", "_")
    return action


def _apply_all(modeladmin, request, queryset, apply, data, label):
    done = 0
    for obj in queryset:
        try:
            apply(obj, data, request)
            done += 1
        except ServiceError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
    if done:
        modeladmin.message_user(request, f"{label}: done for {done} of {queryset.count()}.", messages.SUCCESS)
    return None
