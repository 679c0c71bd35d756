from django.urls import path

from apps.jobs import api

urlpatterns = [
    path("jobs/status", api.JobStatus.as_view(), name="api-jobs-status"),
    path("jobs/scheduler", api.Scheduler.as_view(), name="api-jobs-scheduler"),
    path("jobs/scheduler/tick", api.SchedulerTick.as_view(), name="api-jobs-tick"),
    path("jobs/chatwoot/sync", api.ChatwootSync.as_view(), name="api-jobs-chatwoot-sync"),
    path("jobs/embeddings/run", api.EmbeddingsRun.as_view(), name="api-jobs-embeddings-run"),
]
