"""Handlers only the reliability tests use, loaded into the real worker by tests/integrations/worker.py.

`test.slow` sleeps before it writes, so a test can kill the worker in the middle; every run that
completes writes one new Reservation row, so more than one completed run would show."""

import time
import uuid

from apps.integrations.handlers import handles
from apps.integrations.models import Reservation


@handles("pms", "test.slow")
def slow_handler(event):
    time.sleep(float(event.payload.get("sleep", 0)))
    Reservation.objects.create(
        tenant_id=event.tenant_id,
        connection_id=event.connection_id,
        external_id=f"run-{event.pk}-{uuid.uuid4().hex[:8]}",
        guest_name="slow handler",
    )
