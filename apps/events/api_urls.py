from django.urls import path

from apps.events.api import EventsView

urlpatterns = [
    path("events/", EventsView.as_view(), name="api-events"),
]
