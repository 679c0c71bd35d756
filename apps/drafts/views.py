"""The portal's AI draft settings of one project source (owners and admins), reached from the
Projects page. Another tenant's source is a 404."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from apps.core.errors import ServiceError
from apps.drafts import services
from apps.drafts.forms import DraftSettingsFields
from apps.drafts.models import AIDraft
from apps.knowledge.models import ProjectSource
from apps.tenants.portal import role_required


@require_http_methods(["GET", "POST"])
@role_required("drafts.manage")
def source_settings(request, source_id):
    source = get_object_or_404(
        ProjectSource.objects.for_tenant(request.tenant).select_related("project", "connection"), pk=source_id
    )
    current = services.settings_of(source)
    form = DraftSettingsFields(request.POST or None, initial=DraftSettingsFields.initial_of(current))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_settings(source, by=request.user, request=request, **form.values())
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"AI draft settings of {source.project.name} saved.")
            return redirect("drafts:source-settings", source_id=source.pk)
    context = {"source": source, "form": form, "current": current, "recent": recent(request, source)}
    return render(request, "drafts/source_settings.html", context, status=400 if form.errors else 200)


def recent(request, source):
    return AIDraft.objects.for_tenant(request.tenant).filter(source=source).order_by("-created_at")[:10]
