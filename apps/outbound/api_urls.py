from django.urls import path

from apps.outbound import api

urlpatterns = [
    path("outbound/", api.MessagesView.as_view(), name="api-outbound"),
    path("outbound/process/", api.ProcessView.as_view(), name="api-outbound-process"),
    path("outbound/<int:message_id>/", api.MessageDetailView.as_view(), name="api-outbound-message"),
    path("outbound/<int:message_id>/approve/", api.ApproveView.as_view(), name="api-outbound-approve"),
    path("outbound/<int:message_id>/cancel/", api.CancelView.as_view(), name="api-outbound-cancel"),
    path("outbound/<int:message_id>/retry/", api.RetryView.as_view(), name="api-outbound-retry"),
]
