from django.urls import path

from apps.incidents import api

urlpatterns = [
    path("incidents/", api.IncidentsView.as_view(), name="api-incidents"),
    path("incidents/<int:incident_id>/", api.IncidentDetailView.as_view(), name="api-incident"),
    path("incidents/<int:incident_id>/status/", api.IncidentStatusView.as_view(), name="api-incident-status"),
    path(
        "incidents/<int:incident_id>/acknowledge/",
        api.IncidentAcknowledgeView.as_view(),
        name="api-incident-acknowledge",
    ),
    path("incidents/<int:incident_id>/owner/", api.IncidentOwnerView.as_view(), name="api-incident-owner"),
    path("incidents/<int:incident_id>/severity/", api.IncidentSeverityView.as_view(), name="api-incident-severity"),
    path("incidents/<int:incident_id>/notes/", api.IncidentNotesView.as_view(), name="api-incident-notes"),
    path("incidents/<int:incident_id>/checks/", api.IncidentChecksView.as_view(), name="api-incident-checks"),
    path(
        "incidents/<int:incident_id>/postmortem/", api.IncidentPostmortemView.as_view(), name="api-incident-postmortem"
    ),
    path(
        "incidents/<int:incident_id>/follow-ups/", api.IncidentFollowUpsView.as_view(), name="api-incident-follow-ups"
    ),
    path(
        "incidents/<int:incident_id>/mitigations/",
        api.IncidentMitigationsView.as_view(),
        name="api-incident-mitigations",
    ),
]
