from django.urls import path

from apps.comms import views

app_name = "notices"
urlpatterns = [path("", views.notices, name="list")]
