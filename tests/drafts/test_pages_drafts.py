"""The AI draft's page in the admin and the portal: the whole trail, and Approve & publish / Reject
as confirmed POST forms calling the drafts services (audited), against the local Chatwoot."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.ai.models import AIRequest
from apps.drafts.models import AIDraft
from apps.events.models import AuditEvent
from tests.fakes.chatwoot import FakeChatwoot
from tests.knowledge.factories import synced_source

pytestmark = pytest.mark.django_db
S = AIDraft.Status
DRAFT = "Yes: the garage costs 15 EUR a night."


@pytest.fixture
def chatwoot():
    with FakeChatwoot(account_id=7, token="test-chatwoot-token") as fake:
        yield fake


def make_draft(source, chatwoot, **fields):
    """A proposed draft as the loop leaves it: the customer's message in Chatwoot, the note posted."""
    conversation = chatwoot.add_conversation(inbox_id=1)
    message = chatwoot.add_message(conversation["id"], "Is there parking?")
    note = chatwoot.add_message(conversation["id"], f"AI draft\n\n{DRAFT}", message_type=1, private=True)
    now = timezone.now()
    request = AIRequest.objects.create(
        tenant=source.tenant,
        feature="draft",
        provider="openrouter",
        model="openai/gpt-4o-mini",
        outcome="answered",
        prompt_tokens=321,
        completion_tokens=45,
        cost_usd="0.000123",
        created_at=now,
    )
    values = {
        "tenant": source.tenant,
        "project": source.project,
        "source": source,
        "conversation_id": conversation["id"],
        "inbox_id": 1,
        "message_id": message["id"],
        "message_text": "Is there parking?",
        "message_at": now - timedelta(seconds=30),
        "status": S.PROPOSED,
        "query": "Is there parking?",
        "text": DRAFT,
        "note_id": note["id"],
        "ai_request": request,
        "search_hits": [
            {
                "conversation_id": 103,
                "url": f"{chatwoot.url}/app/accounts/7/conversations/103",
                "score": 0.8123,
                "text": "Our underground garage is 15 EUR.",
            }
        ],
        "sources": [{"conversation_id": 103, "url": "x", "score": 0.8123}],
        "proposed_at": now,
    }
    return AIDraft.objects.create(**{**values, **fields})


@pytest.fixture
def draft(tenant, chatwoot):
    return make_draft(synced_source(chatwoot, tenant), chatwoot)


def admin_page(client, draft):
    return client.get(reverse("admin:drafts_aidraft_change", args=[draft.pk])).content.decode()


def test_the_admin_page_shows_the_whole_trail(client, staff, draft):
    client.force_login(staff)

    page = admin_page(client, draft)

    assert "Is there parking?" in page and DRAFT in page
    assert "0.81" in page and "/app/accounts/7/conversations/103" in page
    assert reverse("admin:ai_airequest_change", args=[draft.ai_request_id]) in page
    assert "openai/gpt-4o-mini" in page and "321 prompt + 45 completion tokens" in page
    assert f"Chatwoot note ID: {draft.note_id}" in page
    assert "Nobody has decided yet." in page
    assert reverse("admin:drafts_aidraft_decide", args=[draft.pk, "approve"]) in page


def test_approve_with_an_edit_publishes_once_and_shows_the_diff(
    client, staff, draft, chatwoot, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    url = reverse("admin:drafts_aidraft_decide", args=[draft.pk, "approve"])
    assert DRAFT in client.get(url).content.decode()  # the confirmation page, the draft in its edit box

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"text": "Yes, the garage is 15 EUR a night."})

    assert response.status_code == 302
    row = AIDraft.objects.get(pk=draft.pk)
    assert row.status == S.PUBLISHED and row.edited and row.approved_by == staff.username
    assert [m["content"] for m in chatwoot.outgoing(draft.conversation_id)] == ["Yes, the garage is 15 EUR a night."]
    page = admin_page(client, row)
    assert "edited" in page and "- Yes: the garage costs 15 EUR a night." in page
    assert "+ Yes, the garage is 15 EUR a night." in page and f"Chatwoot message {row.published_message_id}" in page
    assert AuditEvent.objects.get(action="drafts.approve").actor == staff


def test_reject_needs_a_reason_and_sends_nothing(client, staff, draft, chatwoot):
    client.force_login(staff)
    url = reverse("admin:drafts_aidraft_decide", args=[draft.pk, "reject"])

    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "prices changed"}).status_code == 302

    row = AIDraft.objects.get(pk=draft.pk)
    assert (row.status, row.status_reason) == (S.REJECTED, "prices changed")
    assert chatwoot.outgoing(draft.conversation_id) == []
    assert "Rejected by" in admin_page(client, row)


def test_a_closed_draft_cannot_be_approved_and_says_why(client, staff, draft):
    client.force_login(staff)
    AIDraft.objects.filter(pk=draft.pk).update(status=S.SUPERSEDED)

    response = client.post(
        reverse("admin:drafts_aidraft_decide", args=[draft.pk, "approve"]), {"text": "x"}, follow=True
    )

    assert "cannot be approved" in response.content.decode()
    assert AIDraft.objects.get(pk=draft.pk).status == S.SUPERSEDED


def test_the_admin_list_filters_by_status(client, staff, draft):
    client.force_login(staff)
    url = reverse("admin:drafts_aidraft_changelist")

    assert client.get(url, {"status__exact": "proposed"}).context["cl"].result_count == 1
    assert client.get(url, {"status__exact": "rejected"}).context["cl"].result_count == 0


# --- the portal: the tickets console's AI drafts -----------------------------------------------------


def member_client(client, tenant, role):
    from tests.factories import MembershipFactory

    client.force_login(MembershipFactory(tenant=tenant, role=role).user)
    return client


def test_the_tickets_console_lists_the_tenants_drafts_filtered_by_status_and_project(
    owner_client, tenant, draft, chatwoot, other_tenant
):
    other_project = make_draft(synced_source(chatwoot, tenant), chatwoot, status=S.REJECTED)
    theirs = make_draft(synced_source(chatwoot, other_tenant), chatwoot)
    assert reverse("drafts:list") in owner_client.get(reverse("tickets:list")).content.decode()

    everything = owner_client.get(reverse("drafts:list")).context["page"].object_list
    proposed = owner_client.get(reverse("drafts:list"), {"status": "proposed"}).context["page"].object_list
    by_project = owner_client.get(reverse("drafts:list"), {"project": other_project.project_id}).context["page"]

    assert {d.pk for d in everything} == {draft.pk, other_project.pk} and theirs.pk not in {d.pk for d in everything}
    assert [d.pk for d in proposed] == [draft.pk]
    assert [d.pk for d in by_project.object_list] == [other_project.pk]


def test_the_portal_draft_page_shows_the_trail_and_an_agent_approves_it(
    client, tenant, draft, chatwoot, django_capture_on_commit_callbacks
):
    agent = member_client(client, tenant, "agent")
    page = agent.get(reverse("drafts:detail", args=[draft.pk])).content.decode()
    assert "Is there parking?" in page and "0.81" in page and "openai/gpt-4o-mini" in page
    assert reverse("drafts:approve", args=[draft.pk]) in page

    unconfirmed = agent.post(reverse("drafts:approve", args=[draft.pk]), {"text": DRAFT})
    assert unconfirmed.status_code == 400 and "Tick the box to confirm." in unconfirmed.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = agent.post(reverse("drafts:approve", args=[draft.pk]), {"text": DRAFT, "confirm": "on"})

    assert response.status_code == 302
    row = AIDraft.objects.get(pk=draft.pk)
    assert row.status == S.PUBLISHED and not row.edited
    assert [m["content"] for m in chatwoot.outgoing(draft.conversation_id)] == [DRAFT]


def test_an_agent_rejects_with_a_reason(client, tenant, draft):
    agent = member_client(client, tenant, "agent")

    assert agent.post(reverse("drafts:reject", args=[draft.pk]), {"reason": ""}).status_code == 400
    agent.post(reverse("drafts:reject", args=[draft.pk]), {"reason": "wrong hotel"})

    assert AIDraft.objects.get(pk=draft.pk).status_reason == "wrong hotel"
    assert AuditEvent.objects.filter(action="drafts.reject", target_id=str(draft.pk)).exists()


def test_a_viewer_reads_but_may_not_decide(client, tenant, draft):
    viewer = member_client(client, tenant, "viewer")

    page = viewer.get(reverse("drafts:detail", args=[draft.pk])).content.decode()
    assert "Is there parking?" in page and reverse("drafts:approve", args=[draft.pk]) not in page
    assert viewer.post(reverse("drafts:approve", args=[draft.pk]), {"text": DRAFT, "confirm": "on"}).status_code == 403
    assert AIDraft.objects.get(pk=draft.pk).status == S.PROPOSED


def test_another_tenants_draft_is_not_found(owner_client, other_tenant, chatwoot):
    theirs = make_draft(synced_source(chatwoot, other_tenant), chatwoot)

    assert owner_client.get(reverse("drafts:detail", args=[theirs.pk])).status_code == 404
    assert owner_client.post(reverse("drafts:reject", args=[theirs.pk]), {"reason": "x"}).status_code == 404


# --- the support lead's figures ------------------------------------------------------------------------------


def seeded(tenant, chatwoot, people):
    """Two projects: hotel (3 proposed: 1 approved as is by the owner, 1 edited by the owner,
    1 rejected by Grace; 1 superseded; 1 no knowledge) and spa (1 proposed, still open); one hotel
    draft older than 7 days. Proposals took 10, 20, 30 and 40 s after the customer wrote."""
    hotel, spa = (
        synced_source(chatwoot, tenant, project__name="Hotel"),
        synced_source(chatwoot, tenant, project__name="Spa"),
    )
    now = timezone.now()

    def at(source, took, **fields):
        draft = make_draft(source, chatwoot, **fields)
        AIDraft.objects.filter(pk=draft.pk).update(
            message_at=now - timedelta(seconds=100), proposed_at=now - timedelta(seconds=100 - took) if took else None
        )
        return draft

    at(hotel, 10, status=S.PUBLISHED, approved_at=now, approved_by="owner", edited=False)
    at(hotel, 20, status=S.PUBLISHED, approved_at=now, approved_by="owner", edited=True)
    at(hotel, 30, status=S.REJECTED, approved_by="Grace (Chatwoot agent 1)")
    at(hotel, None, status=S.SUPERSEDED)
    at(hotel, None, status=S.NO_KNOWLEDGE)
    at(spa, 40)
    old = at(hotel, 5, status=S.REJECTED, approved_by="owner")
    AIDraft.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=10))
    return hotel, spa


def test_figures_per_project_and_per_person_over_the_period(
    owner_client, tenant, chatwoot, people, django_assert_max_num_queries
):
    hotel, spa = seeded(tenant, chatwoot, people)
    from apps.drafts import metrics

    with django_assert_max_num_queries(3):
        week = metrics.drafts_in(AIDraft.objects.for_tenant(tenant), 7)
        projects, agents = metrics.per_project(week), metrics.per_agent(week)

    assert projects == [
        metrics.Row(
            "Hotel", proposed=3, as_is=1, edited=1, rejected=1, superseded=1, no_knowledge=1, median_s=20.0, p90_s=30.0
        ),
        metrics.Row("Spa", proposed=1, median_s=40.0, p90_s=40.0),
    ]
    assert [(a.label, a.as_is, a.edited, a.rejected) for a in agents] == [
        ("Grace (Chatwoot agent 1)", 0, 0, 1),
        ("owner", 1, 1, 0),
    ]
    month = metrics.per_project(metrics.drafts_in(AIDraft.objects.for_tenant(tenant), 30))
    assert month[0].rejected == 2 and month[0].proposed == 4

    page = owner_client.get(reverse("drafts:metrics"), {"days": "30", "project": spa.project_id}).content.decode()
    assert "Spa" in page and "Hotel</th>" not in page and "last 30 days" in page


def test_the_admin_figures_page(client, staff, tenant, chatwoot, people):
    seeded(tenant, chatwoot, people)
    client.force_login(staff)

    page = client.get(reverse("admin:drafts_aidraft_metrics"), {"days": "7"}).content.decode()

    assert "Hotel" in page and "Grace (Chatwoot agent 1)" in page and "20.0" in page


def test_the_chatwoot_and_webhook_runbooks_run_the_support_loop_check():
    from apps.health import checks
    from apps.incidents.models import Runbook

    for slug in ("chatwoot-down", "webhook-failures", "support-flow"):
        assert "support_loop_e2e" in Runbook.objects.get(slug=slug).checks
    assert checks.get("support_loop_e2e").provider == "chatwoot"


def test_a_support_agent_may_reject_and_a_read_only_operator_may_not(client, draft):
    from tests.test_roles_staff import staff_member

    url = reverse("admin:drafts_aidraft_decide", args=[draft.pk, "reject"])
    client.force_login(staff_member("reader", "Read-only"))
    assert client.post(url, {"reason": "no"}).status_code == 403
    client.force_login(staff_member("agent-1", "Support agent"))
    assert client.post(url, {"reason": "wrong hotel"}).status_code == 302
    assert AIDraft.objects.get(pk=draft.pk).status == S.REJECTED


def test_the_admin_project_page_links_to_its_draft_figures(client, staff, draft):
    client.force_login(staff)

    page = client.get(reverse("admin:knowledge_project_change", args=[draft.project_id])).content.decode()

    assert f"{reverse('admin:drafts_aidraft_metrics')}?project={draft.project_id}" in page
