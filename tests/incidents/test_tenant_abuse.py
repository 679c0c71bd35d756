"""Tenant abuse: a tenant whose AI guardrail violations or AI volume spike gets its own incident
with the "tenant-abuse" runbook and the evidence on the timeline; AI off, suspend and warn act on
it, each audited and written on the timeline with the evidence. The tenant is the incident's
subject, not an affected tenant: nothing is sent to it automatically; "warn" is the only way."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client

from apps.ai.models import AIRequest, ContactThrottle
from apps.events.models import AuditEvent
from apps.incidents import notifications, services
from apps.incidents.models import Incident, Notification
from apps.incidents.public import is_public
from apps.incidents.services import linking, tenant_abuse
from apps.incidents.services.detection import detect_spikes, open_or_join
from apps.tenants.models import Tenant
from tests.ai.factories import AIRequestFactory
from tests.factories import MembershipFactory, SystemEventFactory, TenantFactory, UserFactory
from tests.incidents.factories import T0, at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def spike_rules(settings):
    settings.SPIKE_WINDOW_MINUTES = 10
    settings.SPIKE_MIN_COUNT = 10
    settings.SPIKE_BASELINE_FACTOR = 3.0
    settings.SPIKE_MIN_TENANTS = 3
    settings.SPIKE_BASELINE_DAYS = 7
    settings.AI_ABUSE_TENANT_MIN_REQUESTS = 50


def violations(tenant, count, *, rule="instruction_override", now=T0):
    for n in range(count):
        SystemEventFactory(
            tenant=tenant,
            code="AI_GUARDRAIL_VIOLATION",
            message=f"Input blocked by rule {rule}.",
            meta={"feature": "bot_reply", "rule": rule, "layer": "heuristic"},
            occurred_at=now - timedelta(seconds=10 * (n + 1)),
        )


def abuse_incident(tenant):
    return Incident.objects.get(dedup_key=tenant_abuse.dedup_key(tenant.pk))


def test_one_tenants_violation_spike_opens_its_tenant_abuse_incident(tenant):
    violations(tenant, 8)
    violations(tenant, 4, rule="role_play_jailbreak")

    result = detect_spikes(now=T0)

    assert result["tenant_abuse"] == {"opened": 1, "joined": 0}
    assert result["opened"] == 0  # one tenant is no platform spike
    incident = abuse_incident(tenant)
    assert incident.runbook.slug == "tenant-abuse" and incident.severity == "sev3"
    assert incident.subject_tenant == tenant and not incident.affected_tenants.exists()
    assert incident.events.filter(code="AI_GUARDRAIL_VIOLATION").count() == 12
    evidence = incident.timeline.get(text__startswith="Evidence").data
    assert evidence["trigger"] == "AI_GUARDRAIL_VIOLATION" and evidence["count"] == 12
    assert evidence["violations_by_rule"] == {"instruction_override": 8, "role_play_jailbreak": 4}
    assert len(evidence["violation_samples"]) == 10


def test_the_next_pass_joins_without_writing_the_evidence_twice(tenant):
    violations(tenant, 12)
    detect_spikes(now=T0)

    result = detect_spikes(now=at(1))

    assert result["tenant_abuse"] == {"opened": 0, "joined": 1}
    assert abuse_incident(tenant).timeline.filter(text__startswith="Evidence").count() == 1


def test_a_few_violations_open_nothing(tenant):
    violations(tenant, 3)

    assert detect_spikes(now=T0)["tenant_abuse"] == {"opened": 0, "joined": 0}


def test_an_ai_volume_spike_opens_the_incident_with_the_volume_as_evidence(tenant, other_tenant, settings):
    settings.SPIKE_BASELINE_DAYS = 1
    steady = [  # 25 requests in every 10 minutes of the day before: 60 now is not 3 times that
        AIRequestFactory.build(tenant=other_tenant, created_at=T0 - timedelta(minutes=10 + n * 10 / 25))
        for n in range(144 * 25)
    ]
    AIRequest.objects.bulk_create(steady, batch_size=1000)
    for tenant_with_burst in (tenant, other_tenant):
        for n in range(60):
            AIRequestFactory(tenant=tenant_with_burst, created_at=T0 - timedelta(seconds=n + 1))

    detect_spikes(now=T0)

    evidence = abuse_incident(tenant).timeline.get(text__startswith="Evidence").data
    assert evidence["trigger"] == "ai_volume" and evidence["count"] == 60 and evidence["ai_requests"] == 60
    assert not Incident.objects.filter(dedup_key=tenant_abuse.dedup_key(other_tenant.pk)).exists()


@pytest.fixture
def incident(tenant):
    violations(tenant, 12, now=at(0))
    ContactThrottle.objects.create(
        tenant=tenant, contact_id="351912345678", throttled_at=T0, throttled_until=at(15), reason="30 messages in 60 s"
    )
    detect_spikes(now=T0)
    return abuse_incident(tenant)


@pytest.mark.parametrize(
    ("action", "field", "value"), [("tenant_ai_off", "is_ai_enabled", False), ("tenant_suspend", "status", "suspended")]
)
def test_ai_off_and_suspend_carry_the_evidence_to_the_timeline(incident, tenant, staff, action, field, value):
    entry = services.apply_mitigation(incident, action, actor=staff, reason="jailbreak campaign", tenant=tenant)

    assert getattr(Tenant.objects.get(pk=tenant.pk), field) == value
    assert AuditEvent.objects.filter(tenant=tenant, reason="jailbreak campaign").exists()
    assert entry.data["action"] == action
    assert entry.data["evidence"]["violations"] == 12
    assert entry.data["evidence"]["throttled_contacts"][0]["contact_id"] == "351912345678"


def test_warn_emails_the_owners_through_the_outbox_audited_with_the_evidence(incident, tenant, staff):
    MembershipFactory(tenant=tenant, user=UserFactory(email="owner@alpha.test"))
    MembershipFactory(tenant=tenant, user=UserFactory(email="agent@alpha.test"), role="agent")

    entry = services.apply_mitigation(
        incident, "tenant_warn", actor=staff, reason="Your bot is being misused.", tenant=tenant
    )

    row = Notification.objects.get(incident=incident, reason=Notification.Reason.TENANT_WARNING)
    assert row.recipient == "owner@alpha.test" and row.status == "queued"
    assert entry.data["recipients"] == ["owner@alpha.test"] and entry.data["evidence"]["violations"] == 12
    audit = AuditEvent.objects.get(action="tenant.warned")
    assert audit.tenant == tenant and audit.after["evidence"]["violations_by_rule"] == {"instruction_override": 12}
    assert notifications.deliver(row.pk) == "sent"
    assert mail.outbox[0].to == ["owner@alpha.test"]
    assert "Your bot is being misused." in mail.outbox[0].body and "instruction_override (12)" in mail.outbox[0].body
    assert incident.timeline.filter(kind="notification", text__contains="owner@alpha.test").exists()


def test_warn_without_an_owners_address_says_so(incident, tenant, staff):
    from apps.core.errors import ServiceError

    with pytest.raises(ServiceError) as refused:
        services.apply_mitigation(incident, "tenant_warn", actor=staff, reason="misuse", tenant=tenant)

    assert refused.value.code == "no_owner_email"
    assert not Notification.objects.filter(reason=Notification.Reason.TENANT_WARNING).exists()


def test_run_checks_on_the_incident_reports_the_tenants_ai_abuse(tenant, staff, settings):
    from django.utils import timezone

    now = timezone.now()
    violations(tenant, 12, now=now)
    detect_spikes(now=now)
    incident = abuse_incident(tenant)

    entries = services.run_checks(incident, actor=staff, names=["tenant_ai_abuse"])

    assert len(entries) == 1 and entries[0].data["status"] == "fail"
    assert entries[0].data["value"]["violations_by_rule"] == {"instruction_override": 12}
    assert "tenant-abuse" == incident.runbook.slug and "tenant_ai_abuse" in incident.runbook.checks


def _comms_rows():
    from apps.comms.models import Delivery, TenantNotice

    return Delivery.objects.count(), TenantNotice.objects.count()


def _to_owner():
    return [message for message in mail.outbox if "owner@alpha.test" in message.to]


def test_a_violation_spike_tells_the_suspected_tenant_nothing(tenant, people, django_capture_on_commit_callbacks):
    violations(tenant, 12)

    with django_capture_on_commit_callbacks(execute=True):
        detect_spikes(now=T0)

    incident = abuse_incident(tenant)
    assert incident.subject_tenant == tenant and list(incident.tenants_concerned()) == [tenant]
    assert _comms_rows() == (0, 0)  # no owners' e-mail, no portal notice
    assert not _to_owner()
    assert not incident.timeline.filter(text__startswith="Stakeholders told").exists()
    client = Client()
    client.force_login(people.owner)
    assert "Tenant abuse" not in client.get("/dashboard/").content.decode()
    assert not is_public(incident)


def test_warn_is_the_one_message_the_suspect_gets(tenant, people, staff, django_capture_on_commit_callbacks):
    violations(tenant, 12)
    with django_capture_on_commit_callbacks(execute=True):
        detect_spikes(now=T0)
    incident = abuse_incident(tenant)

    with django_capture_on_commit_callbacks(execute=True):
        services.apply_mitigation(incident, "tenant_warn", actor=staff, reason="Your bot is misused.", tenant=tenant)
    for row in Notification.objects.filter(incident=incident, reason=Notification.Reason.TENANT_WARNING):
        notifications.deliver(row.pk)

    (message,) = _to_owner()
    assert message.subject == "[Opsdesk] Alpha Rooms: unusual use of the AI assistant"
    assert "Your bot is misused." in message.body
    assert AuditEvent.objects.filter(action="tenant.warned", tenant=tenant).count() == 1
    assert _comms_rows() == (0, 0)


def test_ai_off_and_suspend_work_from_the_console_and_it_links_the_subject(admin_client, tenant):
    violations(tenant, 12)
    detect_spikes(now=T0)
    incident = abuse_incident(tenant)
    url = f"/admin/incidents/incident/{incident.pk}/"

    page = admin_client.get(f"{url}change/").content.decode()
    assert f'href="/admin/tenants/tenant/{tenant.pk}/change/">Alpha Rooms</a> (its own behaviour' in page
    assert f'name="tenant" value="{tenant.pk}"' in page  # the switches offer the subject
    for action in ("tenant_ai_off", "tenant_suspend"):
        admin_client.post(f"{url}act/tenant-switch/", {"tenant": tenant.pk, "action": action, "reason": "abuse"})

    tenant.refresh_from_db()
    assert not tenant.is_ai_enabled and tenant.status == "suspended"
    assert incident.timeline.filter(kind="switch").count() == 2
    assert AuditEvent.objects.filter(tenant=tenant, reason="abuse").count() >= 2
    listing = admin_client.get("/admin/incidents/incident/").content.decode()
    assert f'<a href="/admin/tenants/tenant/{tenant.pk}/change/">' in listing


def test_new_violations_of_the_subject_join_its_incident(tenant):
    violations(tenant, 12)
    detect_spikes(now=T0)
    event = SystemEventFactory(tenant=tenant, code="AI_GUARDRAIL_VIOLATION", occurred_at=at(1))

    assert linking.link_new_events([event]) == 1
    assert abuse_incident(tenant).events.filter(pk=event.pk).exists()


def test_a_guardrail_spike_in_several_tenants_makes_none_of_them_affected(
    tenant, other_tenant, django_capture_on_commit_callbacks
):
    third = TenantFactory(name="Gamma Grill", slug="gamma")
    for suspect in (tenant, other_tenant, third):
        violations(suspect, 12)

    with django_capture_on_commit_callbacks(execute=True):
        result = detect_spikes(now=T0)

    assert result["opened"] == 1 and result["tenant_abuse"] == {"opened": 3, "joined": 0}
    spike = Incident.objects.get(dedup_key="spike:AI_GUARDRAIL_VIOLATION")
    assert not spike.affected_tenants.exists() and spike.subject_tenant is None
    assert {abuse_incident(t).subject_tenant for t in (tenant, other_tenant, third)} == {tenant, other_tenant, third}
    assert _comms_rows() == (0, 0)


def test_one_tenants_misbehaviour_behind_an_alert_makes_it_the_subject(tenant):
    incident, _ = open_or_join(
        "alert:7:tenant:1", title="Alert: guardrail violations — Alpha Rooms", codes=["ALERT_RULE_TRANSITION"],
        tenant_ids=[tenant.pk], components=["ai_abuse"], now=T0,
    )  # fmt: skip

    assert incident.subject_tenant == tenant and not incident.affected_tenants.exists()


def test_the_api_names_the_subject_and_switches_it(tenant, staff):
    from rest_framework.test import APIClient

    violations(tenant, 12)
    detect_spikes(now=T0)
    incident = abuse_incident(tenant)
    api = APIClient()
    api.force_authenticate(staff)

    listed = api.get("/api/v1/incidents/", {"tenant": "alpha"}).json()["results"]
    switched = api.post(
        f"/api/v1/incidents/{incident.pk}/mitigations/",
        {"action": "tenant_ai_off", "tenant": "alpha", "reason": "abuse"},
        format="json",
    )

    assert [(row["id"], row["subject_tenant"], row["tenants"]) for row in listed] == [(incident.pk, "alpha", [])]
    assert switched.status_code == 201 and not Tenant.objects.get(pk=tenant.pk).is_ai_enabled
