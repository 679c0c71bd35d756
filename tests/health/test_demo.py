import io

import pytest

from apps.health import demo
from apps.health.models import HealthMonitor, MaintenanceWindow

pytestmark = pytest.mark.django_db


def test_the_demo_seed_is_idempotent(chatwoot_connection):
    demo.seed(io.StringIO())
    counts = (HealthMonitor.objects.count(), MaintenanceWindow.objects.count())
    demo.seed(io.StringIO())

    assert (HealthMonitor.objects.count(), MaintenanceWindow.objects.count()) == counts
    assert MaintenanceWindow.objects.get(title="Weekly maintenance").schedule_label == "every Sunday 02:00–04:00 UTC"
