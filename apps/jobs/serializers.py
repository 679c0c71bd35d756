from rest_framework import serializers

from apps.jobs.models import WorkerRun


class WorkerRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkerRun
        fields = ["id", "name", "status", "trigger", "started_at", "finished_at", "duration_ms", "counts", "error"]
