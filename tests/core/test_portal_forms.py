"""apps.core.portal_forms: a valid POST runs the service, a refusal is the form's error and a 400;
a button flashes what came of it."""

from django import forms
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import RequestFactory

from apps.core.errors import ServiceError
from apps.core.portal_forms import form_status, perform, submit


class NoteForm(forms.Form):
    note = forms.CharField()


def refuse(data):
    raise ServiceError(f"{data['note']!r} is not allowed here.")


def test_a_valid_post_runs_the_service_and_returns_what_it_returned():
    form = NoteForm({"note": "hi"})
    assert submit(RequestFactory().post("/"), form, lambda data: data["note"].upper()) == (True, "HI")
    assert form_status(form) == 200


def test_a_refusal_becomes_the_forms_error():
    form = NoteForm({"note": "hi"})
    assert submit(RequestFactory().post("/"), form, refuse) == (False, None)
    assert form.non_field_errors() == ["'hi' is not allowed here."] and form_status(form) == 400


def test_an_invalid_form_or_a_get_runs_nothing():
    ran = []
    invalid = NoteForm({"note": ""})
    assert submit(RequestFactory().post("/"), invalid, ran.append) == (False, None)
    assert submit(RequestFactory().get("/"), NoteForm(), ran.append) == (False, None)
    assert ran == [] and form_status(invalid) == 400 and form_status(NoteForm()) == 200


def flashed(request):
    return [(message.level_tag, message.message) for message in request._messages]


def button_press():
    request = RequestFactory().post("/")
    request._messages = CookieStorage(request)
    return request


def test_a_button_that_ran_flashes_its_success():
    request = button_press()
    assert perform(request, lambda: None, lambda: "Done.") is True
    assert flashed(request) == [("success", "Done.")]


def test_a_button_the_service_refused_flashes_the_refusal_only():
    request, said = button_press(), []
    assert perform(request, lambda: refuse({"note": "solve"}), lambda: said.append("success") or "Done.") is False
    assert flashed(request) == [("error", "'solve' is not allowed here.")] and said == []
