from datetime import UTC, datetime, timedelta

from django.utils import timezone

from apps.events import codes, emit

URL = "/dashboard/errors/"


def test_member_sees_own_tenants_errors_in_tenant_words(owner_client, tenant, other_tenant):
    emit("META_TOKEN_EXPIRED", tenant=tenant, message="Token for Alpha expired")
    emit("JOB_FAILED", tenant=other_tenant, message="Beta job exploded")
    page = owner_client.get(URL).content.decode()
    assert "Token for Alpha expired" in page
    assert codes.get("META_TOKEN_EXPIRED").tenant_text.split(",")[0] in page
    assert "Beta job exploded" not in page
    assert "<caption>" in page


def test_page_never_shows_meta(owner_client, tenant):
    emit(
        "N8N_TIMEOUT",
        tenant=tenant,
        message="Run stopped",
        meta={"internal_host": "n8n-worker-secret-7", "workflow": "wf-internal-42"},
    )
    page = owner_client.get(URL).content.decode()
    assert "Run stopped" in page
    assert "n8n-worker-secret-7" not in page and "wf-internal-42" not in page
    assert "internal_host" not in page


def test_newest_errors_come_first(owner_client, tenant):
    emit("JOB_FAILED", tenant=tenant, message="first-one", occurred_at=timezone.now() - timedelta(hours=2))
    emit("JOB_FAILED", tenant=tenant, message="second-one")
    page = owner_client.get(URL).content.decode()
    assert page.index("second-one") < page.index("first-one")


def test_category_filter_shows_only_that_category(owner_client, tenant):
    emit("MESSAGE_LIMIT_EXCEEDED", tenant=tenant, message="limit-row")
    emit("N8N_TIMEOUT", tenant=tenant, message="automation-row")
    page = owner_client.get(URL, {"category": "limits"}).content.decode()
    assert "limit-row" in page and "automation-row" not in page


def test_date_range_filter(owner_client, tenant):
    emit("JOB_FAILED", tenant=tenant, message="last-week", occurred_at=timezone.now() - timedelta(days=7))
    emit("JOB_FAILED", tenant=tenant, message="today-row")
    today = timezone.localdate()
    page = owner_client.get(URL, {"date_from": today.isoformat(), "date_to": today.isoformat()}).content.decode()
    assert "today-row" in page and "last-week" not in page


def test_invalid_filter_shows_a_message_not_an_error(owner_client, tenant):
    emit("JOB_FAILED", tenant=tenant, message="still-listed")
    response = owner_client.get(URL, {"category": "nonsense", "date_from": "31/31/2020"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "could not be applied" in page and "still-listed" in page


def test_filter_inputs_have_labels(owner_client):
    page = owner_client.get(URL).content.decode()
    for field in ("id_category", "id_date_from", "id_date_to"):
        assert f'for="{field}"' in page


def test_pages_hold_fifty_errors(owner_client, tenant):
    for n in range(51):
        emit("JOB_FAILED", tenant=tenant, message=f"row-{n}")
    assert owner_client.get(URL).content.decode().count("<tr>") == 51  # header + 50
    assert "Page 2 of 2" in owner_client.get(URL, {"page": 2}).content.decode()


def test_errors_page_is_in_the_portal_navigation(owner_client):
    assert 'href="/dashboard/errors/"' in owner_client.get("/dashboard/").content.decode()


def test_anonymous_visitor_is_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_user_without_a_tenant_is_refused(client, django_user_model):
    user = django_user_model.objects.create_user(username="nobody@example.test", password="x")
    client.force_login(user)
    assert client.get(URL).status_code == 403


def test_member_of_another_tenant_does_not_see_this_tenants_errors(client, people, tenant):
    emit("JOB_FAILED", tenant=tenant, message="alpha-only")
    client.force_login(people.stranger)
    page = client.get(URL).content.decode()
    assert "alpha-only" not in page and tenant.name not in page


def test_date_filter_uses_the_tenants_own_days(owner_client, tenant):
    tenant.timezone = "Asia/Tokyo"
    tenant.save(update_fields=["timezone"])
    late_utc_evening = datetime(2026, 1, 1, 20, 0, tzinfo=UTC)  # 2 January, 05:00 in Tokyo
    emit("JOB_FAILED", tenant=tenant, message="tokyo-morning", occurred_at=late_utc_evening)
    on_second = owner_client.get(URL, {"date_from": "2026-01-02", "date_to": "2026-01-02"}).content.decode()
    on_first = owner_client.get(URL, {"date_from": "2026-01-01", "date_to": "2026-01-01"}).content.decode()
    assert "tokyo-morning" in on_second
    assert "tokyo-morning" not in on_first


def test_error_times_read_in_the_tenants_time_zone(owner_client, tenant):
    tenant.timezone = "Asia/Tokyo"
    tenant.save(update_fields=["timezone"])
    emit(
        "JOB_FAILED",
        tenant=tenant,
        message="tokyo-clock",
        occurred_at=datetime(2026, 1, 1, 20, 0, tzinfo=UTC),
    )
    body = owner_client.get(URL).content.decode()
    assert "2026-01-02 05:00" in body
    assert "2026-01-01 20:00" not in body
