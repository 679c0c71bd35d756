from django.urls import path

from apps.integrations import api

urlpatterns = [
    path("inbound-events/", api.InboundEventList.as_view(), name="api-inbound-events"),
    path("inbound-events/replay/", api.ReplayMany.as_view(), name="api-inbound-events-replay"),
    path("inbound-events/<int:pk>/", api.InboundEventDetail.as_view(), name="api-inbound-event"),
    path("inbound-events/<int:pk>/replay/", api.ReplayOne.as_view(), name="api-inbound-event-replay"),
]
