"""Running a service from the portal, the way every page does: from a submitted form (a valid POST
calls the service; a ServiceError becomes the form's error, shown with a 400), or from a button
(the outcome is flashed)."""

from django.contrib import messages

from apps.core.errors import ServiceError


def submit(request, form, action) -> tuple[bool, object]:
    """(True, what `action(form.cleaned_data)` returned), or (False, None) when nothing was posted,
    the form is invalid, or the service refused (its message is then a form error)."""
    if request.method != "POST" or not form.is_valid():
        return False, None
    try:
        return True, action(form.cleaned_data)
    except ServiceError as exc:
        form.add_error(None, exc.message)
        return False, None


def form_status(form) -> int:
    return 400 if form.errors else 200


def perform(request, action, success) -> bool:
    """Runs `action()` and flashes `success()`, or the service's refusal; returns whether it ran."""
    try:
        action()
    except ServiceError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, success())
    return True
