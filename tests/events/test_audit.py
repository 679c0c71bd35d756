import pytest
from django.db import connection
from django.db.utils import DatabaseError

from apps.events import audit
from apps.events.models import AuditEvent
from tests import db_roles


def test_audit_records_are_refused_updates_and_deletes_by_the_model(db):
    record = audit.record("tenant.created", actor_label="tests")
    record.action = "tampered"
    with pytest.raises(TypeError, match="append-only"):
        record.save()
    with pytest.raises(TypeError, match="append-only"):
        record.delete()
    with pytest.raises(TypeError, match="append-only"):
        AuditEvent.objects.all().update(action="tampered")
    with pytest.raises(TypeError, match="append-only"):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().action == "tenant.created"


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events_auditevent SET action = 'tampered'",
        "DELETE FROM events_auditevent",
    ],
)
def test_postgres_trigger_rejects_update_and_delete_in_raw_sql_even_by_the_owner(statement):
    """The app's role is refused before the trigger runs (test_audit_role.py); the owner is not."""
    assert connection.vendor == "postgresql"
    audit.record("tenant.created", actor_label="tests")
    with pytest.raises(DatabaseError, match="append-only"), db_roles.owner_cursor() as owner:
        owner.execute(statement)
    assert AuditEvent.objects.filter(action="tenant.created").count() == 1


def test_audit_carries_the_request_correlation_id(client, db):
    client.get("/healthz", HTTP_X_REQUEST_ID="req-audit-1")
    from apps.core import context

    with context.bound(request_id="req-audit-1"):
        record = audit.record("system.banner_changed")
    assert record.correlation_id == "req-audit-1"


def test_audit_admin_is_read_only_and_searchable(client, staff):
    audit.record("tenant.suspended", actor=staff, reason="abuse")
    client.force_login(staff)
    listing = client.get("/admin/audit/", follow=True)
    assert listing.status_code == 200 and b"tenant.suspended" in listing.content
    assert client.get("/admin/events/auditevent/?q=abuse").status_code == 200
    assert client.get("/admin/events/auditevent/add/").status_code == 403
    record = AuditEvent.objects.get(action="tenant.suspended")
    assert client.post(f"/admin/events/auditevent/{record.pk}/delete/", {"post": "yes"}).status_code == 403
