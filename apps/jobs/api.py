"""GET /jobs/status, GET /jobs/scheduler, POST /jobs/scheduler/tick — for operators."""

from datetime import timedelta

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api import requires
from apps.integrations.queries import backlog, retry_outcomes
from apps.jobs import scheduler, services
from apps.jobs.serializers import WorkerRunSerializer

VIEW, RUN = "jobs.view_workerrun", "jobs.change_workerrun"  # the Jobs admin's list, and its "run again"


class JobStatus(APIView):
    permission_classes = [requires(VIEW)]

    @extend_schema(responses={200: dict})
    def get(self, request):
        """The inbox backlog (pending per status, oldest pending age), dead letters in the last hour,
        retry outcomes of the last 24 hours, and the last run of every job."""
        from django.utils import timezone

        last_runs = services.last_runs()
        return Response(
            {
                "inbox": backlog(),
                "retry_outcomes_24h": retry_outcomes(timezone.now() - timedelta(hours=24)),
                "jobs": {name: run and WorkerRunSerializer(run).data for name, run in last_runs.items()},
            }
        )


class Scheduler(APIView):
    permission_classes = [requires(VIEW)]

    @extend_schema(responses={200: dict})
    def get(self, request):
        """Every schedule with its next run, last run and last error."""
        return Response({"jobs": scheduler.schedule()})


class SchedulerTick(APIView):
    permission_classes = [requires(RUN)]

    @extend_schema(request=None, responses={200: dict})
    def post(self, request):
        """Runs every job that is due now and returns the runs."""
        return Response({"ran": WorkerRunSerializer(scheduler.tick(), many=True).data})
