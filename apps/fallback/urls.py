from django.urls import path

from apps.fallback import views

app_name = "fallback"

urlpatterns = [
    path("", views.manual_mode, name="settings"),
    path("texts/", views.save_texts, name="texts"),
]
