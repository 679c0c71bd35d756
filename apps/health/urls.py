from django.urls import path

from apps.health import views

app_name = "health"
urlpatterns = [path("", views.status_page, name="status")]
