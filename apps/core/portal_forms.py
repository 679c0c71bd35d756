"""Running a service from a submitted portal form, the way every "new", "reply" and "opt in" page
does: a valid POST calls the service; a ServiceError becomes the form's error, shown with a 400."""
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
