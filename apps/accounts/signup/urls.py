from django.urls import path

from apps.accounts.signup import views

app_name = "signup"

urlpatterns = [
    path("", views.signup_form, name="form"),
    path("<str:signup_id>/", views.waiting, name="waiting"),
]
