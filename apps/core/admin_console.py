"""The admin consoles' form posts (a ticket's page, an incident's page): each form names one
operation, the operation calls a service, and its refusal or success comes back as a message on
the console."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect

from apps.core.errors import ServiceError


def run_operation(request, target, operations, operation, back_url):
    """Runs `operations[operation](request, target)`; 404 for an operation that does not exist."""
    handler = operations.get(operation)
    if handler is None:
        raise Http404(f"No operation {operation!r} here.")
    try:
        note = handler(request, target)
    except ServiceError as exc:
        messages.error(request, exc.message)
    except forms.ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, note)
    return redirect(back_url)


def valid(form):
    """The form's cleaned data, or a ValidationError naming each field's problem."""
    if not form.is_valid():
        raise forms.ValidationError([f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()])
    return form.cleaned_data
