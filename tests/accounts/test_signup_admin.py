"""Pending signups in the admin: filters and search, UTC times, links to the tenant and user, a Cancel
that asks first and needs a reason, never the PIN or the password hash; and the periodic jobs."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import PendingSignup
from apps.accounts.signup import services, validation
from apps.events.models import AuditEvent
from apps.jobs import registry

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:accounts_pendingsignup_changelist"


def started(company="Sunrise Hotel", email="anna@sunrise.example"):
    fields = {"company": company, "email": email, "password": "long enough pw", "timezone": "UTC"}
    return services.start(validation.clean(fields), ip="198.51.100.4")


def test_the_list_filters_by_status_searches_and_labels_times_utc(admin_client):
    signup, _ = started()
    started("Harbour Inn", "max@harbour.example")
    url = reverse(CHANGELIST)

    page = admin_client.get(url, {"q": "harbour"}).content.decode()
    assert "Harbour Inn" in page and "Sunrise Hotel" not in page
    page = admin_client.get(url, {"status__exact": "pending"}).content.decode()
    assert "Requested (UTC)" in page and "PIN expires (UTC)" in page
    assert signup.created_at.strftime("%Y-%m-%d %H:%M UTC") in page


def test_the_page_links_the_tenant_and_user_and_shows_no_secret(admin_client, admin_user):
    signup, pin = started()
    done = services.approve(signup.pk, by=admin_user)
    page = admin_client.get(reverse("admin:accounts_pendingsignup_change", args=[signup.pk])).content.decode()
    assert reverse("admin:tenants_tenant_change", args=[done.tenant_id]) in page
    assert reverse("admin:auth_user_change", args=[done.user_id]) in page
    stored = PendingSignup.objects.get(pk=signup.pk)
    assert stored.pin_hmac not in page and stored.password_hash not in page and f"PIN: {pin}" not in page


def test_cancel_asks_for_a_reason_then_cancels_and_audits(admin_client):
    signup, pin = started()
    url = reverse(CHANGELIST)
    data = {"action": "cancel_the_selected_signups", "_selected_action": [signup.pk]}

    confirm = admin_client.post(url, data)
    assert confirm.status_code == 200 and "Cancel the selected signups" in confirm.content.decode()
    assert PendingSignup.objects.get(pk=signup.pk).status == "pending"
    admin_client.post(url, {**data, "confirm": "yes", "reason": ""})
    assert PendingSignup.objects.get(pk=signup.pk).status == "pending"

    admin_client.post(url, {**data, "confirm": "yes", "reason": "Looks like spam"}, follow=True)

    assert PendingSignup.objects.get(pk=signup.pk).status == "cancelled"
    assert AuditEvent.objects.get(action="signup.cancelled").reason == "Looks like spam"


def test_cancelling_an_ended_signup_says_why_it_cannot(admin_client, admin_user):
    signup, _ = started()
    services.reject(signup.pk, by=admin_user)
    data = {"action": "cancel_the_selected_signups", "_selected_action": [signup.pk], "confirm": "yes"}
    page = admin_client.post(reverse(CHANGELIST), {**data, "reason": "tidy up"}, follow=True).content.decode()
    assert "declined this signup" in page and PendingSignup.objects.get(pk=signup.pk).status == "rejected"


def test_the_jobs_expire_and_purge(admin_user):
    signup, _ = started()
    PendingSignup.objects.filter(pk=signup.pk).update(pin_expires_at=timezone.now() - timedelta(seconds=1))
    assert registry.get("accounts.expire_signups").func() == {"expired": 1}
    PendingSignup.objects.filter(pk=signup.pk).update(created_at=timezone.now() - timedelta(days=31))
    assert registry.get("accounts.purge_signups").func() == {"deleted": 1}
