"""The jobs API for operator keys: status and backlogs, the schedule, a tick, and the runbooks'
manual jobs (Chatwoot sync, embeddings) queued for a worker."""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api import requires
from apps.integrations.queries import retry_outcomes
from apps.jobs import admin_status, scheduler, services
from apps.jobs.admin_status import EMBED_JOB, SYNC_JOB
from apps.jobs.serializers import EmbedRequest, SyncRequest, WorkerRunSerializer

VIEW, RUN = "jobs.view_workerrun", "jobs.change_workerrun"  # the Jobs admin's list, and its "run again"


class JobStatus(APIView):
    permission_classes = [requires(VIEW)]

    @extend_schema(responses={200: dict})
    def get(self, request):
        """The inbox, outbound, embedding and sync backlogs, dead letters in the last hour, retry
        outcomes of the last 24 hours, the runs waiting or running, and the last run of every job."""
        now = timezone.now()
        backlogs = admin_status.backlogs(now)
        return Response(
            {
                **backlogs,
                "retry_outcomes_24h": retry_outcomes(now - timedelta(hours=24)),
                "pending_runs": WorkerRunSerializer(admin_status.pending_runs(), many=True).data,
                "jobs": {name: run and WorkerRunSerializer(run).data for name, run in services.last_runs().items()},
            }
        )


class Scheduler(APIView):
    permission_classes = [requires(VIEW)]

    @extend_schema(responses={200: dict})
    def get(self, request):
        """Every schedule with its next run, last run and last error, and beat's last send."""
        return Response({"jobs": scheduler.schedule()})


class SchedulerTick(APIView):
    permission_classes = [requires(RUN)]

    @extend_schema(request=None, responses={200: dict})
    def post(self, request):
        """Runs every job that is due now and returns the runs."""
        return Response({"ran": WorkerRunSerializer(scheduler.tick(), many=True).data})


class QueueJob(APIView):
    """POST: queue one run of `job` for a worker, with the parameters `serializer_class` allows;
    202 with the run (its status says how far it got), 400 naming a bad field."""

    permission_classes = [requires(RUN)]
    job = ""
    serializer_class = None

    def post(self, request):
        body = request.data if request.data else {}
        if not isinstance(body, dict):
            raise exceptions.ValidationError({"non_field_errors": "Send a JSON object."})
        serializer = self.serializer_class(data=body)
        serializer.is_valid(raise_exception=True)
        run = services.enqueue(self.job, trigger="api", params=serializer.params(), request=request)
        return Response({"run": WorkerRunSerializer(run).data}, status=status.HTTP_202_ACCEPTED)


class ChatwootSync(QueueJob):
    job, serializer_class = SYNC_JOB, SyncRequest

    @extend_schema(request=SyncRequest, responses={202: dict})
    def post(self, request):
        """Queues the Chatwoot sync: every project, or `project` (id or slug)."""
        return super().post(request)


class EmbeddingsRun(QueueJob):
    job, serializer_class = EMBED_JOB, EmbedRequest

    @extend_schema(request=EmbedRequest, responses={202: dict})
    def post(self, request):
        """Queues embeddings: every project or `project`, with `batch_size` (1..512) for this run."""
        return super().post(request)
