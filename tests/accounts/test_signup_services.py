"""The signup's services without Telegram: what an application must be, starting (hashed password,
PIN as an HMAC, the rate limit, a newer start cancelling the older), verifying a PIN (the account on
the default plan, wrong tries, burning, expiry, idempotence), the owner's decisions, the operator's
cancel, and the periodic expiry and purge."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.accounts.models import PendingSignup
from apps.accounts.signup import services, validation
from apps.accounts.signup.rules import SignupRefused
from apps.events.models import AuditEvent
from apps.tenants.models import Membership, Plan, Tenant
from tests.factories import StaffFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db

FIELDS = {"company": "Sunrise Hotel Group", "email": " Anna@Sunrise.Example ", "password": "long enough pw"}


def application(**changes):
    return validation.clean({**FIELDS, "timezone": "Europe/Lisbon", **changes})


def refusal_of(call, *args, **kwargs):
    with pytest.raises(SignupRefused) as caught:
        call(*args, **kwargs)
    return caught.value.refusal


def started(ip="203.0.113.7", **changes):
    return services.start(application(**changes), ip=ip)


# --- the application -----------------------------------------------------------------------------


def test_an_application_is_normalised_and_its_password_hashed():
    app = application()
    assert (app.company, app.slug, app.email, app.time_zone) == (
        "Sunrise Hotel Group",
        "sunrise-hotel-group",
        "anna@sunrise.example",
        "Europe/Lisbon",
    )
    assert app.password_hash.startswith(("md5$", "pbkdf2")) and "long enough pw" not in app.password_hash


def test_every_wrong_field_is_reported_at_once():
    fields = {"company": "  ", "email": "nope", "password": "short", "timezone": "Mars/Base"}
    refusal = refusal_of(validation.clean, fields)
    assert (refusal.code, refusal.status) == ("invalid", 400)
    assert set(refusal.fields) == {"company", "email", "password", "timezone"}
    assert "at least 8 characters" in refusal.fields["password"]
    assert "Mars/Base" in refusal.fields["timezone"]


def test_a_taken_email_is_refused_whatever_its_case():
    UserFactory(username="anna@sunrise.example", email="anna@sunrise.example")
    refusal = refusal_of(application)
    assert refusal.code == "email_taken" and "log in instead" in refusal.fields["email"]


def test_a_company_whose_slug_is_taken_is_refused():
    TenantFactory(slug="sunrise-hotel-group", name="Someone else")
    refusal = refusal_of(application, company="Sunrise   hotel group!")
    assert refusal.code == "company_taken" and "sunrise-hotel-group" in refusal.fields["company"]


def test_a_company_waiting_for_approval_under_another_email_is_taken_too():
    started(email="boss@sunrise.example")
    assert refusal_of(application).code == "company_taken"


def test_a_company_name_without_letters_or_digits_is_refused():
    assert "letter or digit" in refusal_of(application, company="!!!").fields["company"]


def test_the_time_zone_defaults_to_utc():
    assert validation.clean(FIELDS).time_zone == "UTC"


# --- start ---------------------------------------------------------------------------------------


def test_start_stores_a_pending_signup_with_only_an_hmac_of_the_pin():
    signup, pin = started()
    stored = PendingSignup.objects.get()
    assert stored.status == "pending" and stored.ip == "203.0.113.7"
    assert len(pin) == 6 and pin not in stored.pin_hmac and pin not in stored.password_hash
    assert timedelta(minutes=9) < stored.pin_expires_at - timezone.now() <= timedelta(minutes=10)
    assert AuditEvent.objects.filter(action="signup.started", actor_label="anna@sunrise.example").exists()


def test_a_new_start_for_the_same_email_cancels_the_older_one():
    first, _ = started()
    second, _ = started()
    first.refresh_from_db()
    assert first.status == "cancelled" and "newer signup" in first.note
    assert PendingSignup.objects.get(pk=second.pk).status == "pending"


def test_a_fourth_start_for_one_email_within_15_minutes_is_refused():
    for ip in ("203.0.113.1", "203.0.113.2", "203.0.113.3"):
        started(ip=ip)
    refusal = refusal_of(started, ip="203.0.113.4")
    assert (refusal.code, refusal.status) == ("rate_limited", 429) and refusal.retry_after > 0
    assert PendingSignup.objects.count() == 3


def test_a_fourth_start_from_one_address_is_refused_whatever_the_email():
    for n in range(3):
        started(email=f"person{n}@example.com", company=f"Company {n}")
    refusal = refusal_of(started, email="person9@example.com", company="Company 9")
    assert refusal.code == "rate_limited" and "network address" in refusal.detail


def test_starts_older_than_15_minutes_do_not_count():
    for _ in range(3):
        signup, _ = started()
        PendingSignup.objects.filter(pk=signup.pk).update(created_at=timezone.now() - timedelta(minutes=16))
    started()


# --- the PIN -------------------------------------------------------------------------------------


def test_the_right_pin_creates_the_tenant_on_the_default_plan_and_its_owner():
    signup, pin = started()
    done = services.verify_pin(signup.pk, pin)
    tenant, user = done.tenant, done.user
    assert done.status == "completed" and done.completed_at is not None
    assert (tenant.slug, tenant.name) == ("sunrise-hotel-group", "Sunrise Hotel Group")
    assert tenant.timezone == "Europe/Lisbon"
    assert tenant.plan == Plan.objects.first()
    assert user.username == user.email == "anna@sunrise.example" and user.check_password("long enough pw")
    assert Membership.objects.get(user=user).role == "owner"
    record = AuditEvent.objects.get(action="signup.completed")
    assert record.after["approved_by"] == "pin" and record.after["company"] == "Sunrise Hotel Group"
    assert record.actor_label == "anna@sunrise.example" and record.tenant == tenant


def test_a_second_verify_creates_nothing_more():
    signup, pin = started()
    services.verify_pin(signup.pk, pin)
    refusal = refusal_of(services.verify_pin, signup.pk, pin)
    assert (refusal.code, refusal.status) == ("already_completed", 409)
    assert Tenant.objects.filter(slug="sunrise-hotel-group").count() == 1
    assert get_user_model().objects.filter(username="anna@sunrise.example").count() == 1


def test_five_wrong_pins_burn_the_signup_and_then_even_the_right_one_is_refused():
    signup, pin = started()
    wrong = "000000" if pin != "000000" else "111111"
    details = [refusal_of(services.verify_pin, signup.pk, wrong) for _ in range(5)]
    assert [r.code for r in details] == ["wrong_pin"] * 4 + ["pin_burned"]
    assert "1 try left" in details[3].detail
    assert PendingSignup.objects.get(pk=signup.pk).status == "burned"
    assert refusal_of(services.verify_pin, signup.pk, pin).code == "pin_burned"
    assert not Tenant.objects.filter(slug="sunrise-hotel-group").exists()
    assert AuditEvent.objects.filter(action="signup.burned").exists()


def test_an_expired_pin_is_refused_with_410_and_creates_nothing():
    signup, pin = started()
    PendingSignup.objects.filter(pk=signup.pk).update(pin_expires_at=timezone.now() - timedelta(seconds=1))
    refusal = refusal_of(services.verify_pin, signup.pk, pin)
    assert (refusal.code, refusal.status) == ("expired", 410)
    assert not get_user_model().objects.filter(username="anna@sunrise.example").exists()


def test_the_pin_of_a_replaced_signup_no_longer_works():
    signup, pin = started()
    started()
    assert refusal_of(services.verify_pin, signup.pk, pin).code == "cancelled"


@pytest.mark.parametrize("text", ["12345", "abcdef", ""])
def test_a_malformed_pin_is_a_400_that_counts_no_try(text):
    signup, _ = started()
    assert refusal_of(services.verify_pin, signup.pk, text).code == "invalid"
    assert PendingSignup.objects.get(pk=signup.pk).wrong_tries == 0


@pytest.mark.parametrize("signup_id", ["not-a-uuid", "6f1c1f9e-0000-4000-8000-000000000000", None])
def test_an_unknown_signup_is_404(signup_id):
    assert refusal_of(services.verify_pin, signup_id, "123456").status == 404


def test_a_slug_taken_since_the_start_refuses_the_whole_and_leaves_the_signup_open():
    signup, pin = started()
    TenantFactory(slug="sunrise-hotel-group")
    refusal = refusal_of(services.verify_pin, signup.pk, pin)
    assert (refusal.code, refusal.status) == ("duplicate_slug", 409)
    assert PendingSignup.objects.get(pk=signup.pk).status == "pending"
    assert not get_user_model().objects.filter(username="anna@sunrise.example").exists()


# --- the owner's decisions and the operators' -------------------------------------------------------


def test_approve_creates_the_account_at_once_and_records_who():
    owner = StaffFactory(username="platform-owner", is_superuser=True)
    signup, _ = started()
    done = services.approve(str(signup.pk), by=owner)
    assert (done.status, done.decided_by, done.tenant.slug) == ("completed", owner, "sunrise-hotel-group")
    record = AuditEvent.objects.get(action="signup.completed")
    assert record.actor == owner and record.after["approved_by"] == "button"
    assert record.after["approver"] == owner.username
    assert refusal_of(services.approve, signup.pk, by=owner).code == "already_completed"


def test_reject_ends_the_signup_without_an_account():
    owner = StaffFactory(username="platform-owner", is_superuser=True)
    signup, pin = started()
    assert services.reject(signup.pk, by=owner).status == "rejected"
    assert refusal_of(services.verify_pin, signup.pk, pin).code == "rejected"
    assert not Tenant.objects.filter(slug="sunrise-hotel-group").exists()


def test_an_expired_signup_cannot_be_approved():
    owner = StaffFactory(username="platform-owner", is_superuser=True)
    signup, _ = started()
    PendingSignup.objects.filter(pk=signup.pk).update(pin_expires_at=timezone.now())
    assert refusal_of(services.approve, signup.pk, by=owner).code == "expired"


def test_an_operator_cancels_an_open_signup_with_a_reason():
    agent = StaffFactory(username="agent-1")
    signup, pin = started()
    services.cancel(signup, actor=agent, reason="Spam wave from this address")
    assert PendingSignup.objects.get(pk=signup.pk).note == "Cancelled by agent-1: Spam wave from this address"
    assert AuditEvent.objects.get(action="signup.cancelled").reason == "Spam wave from this address"
    assert refusal_of(services.verify_pin, signup.pk, pin).code == "cancelled"


def test_the_job_expires_overdue_signups_and_purges_month_old_ones():
    overdue, _ = started()
    fresh, _ = started(email="other@example.com", company="Other")
    old, _ = started(email="old@example.com", company="Old")
    PendingSignup.objects.filter(pk=overdue.pk).update(pin_expires_at=timezone.now() - timedelta(minutes=1))
    PendingSignup.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    assert services.purge_old() == 1
    assert services.expire_overdue() == 1
    assert PendingSignup.objects.get(pk=overdue.pk).status == "expired"
    assert PendingSignup.objects.get(pk=fresh.pk).status == "pending"


@pytest.mark.django_db(transaction=True)
def test_concurrent_starts_cannot_pass_the_rate_limit_together():
    """Six starts for one e-mail at the same moment, each on its own connection: three get through."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from django.db import connection

    app, barrier = application(), Barrier(6)

    def start_one(n):
        barrier.wait()
        try:
            services.start(app, ip=f"203.0.113.{n}")
            return "started"
        except SignupRefused as exc:
            return exc.refusal.code
        finally:
            connection.close()

    with ThreadPoolExecutor(6) as pool:
        outcomes = sorted(pool.map(start_one, range(6)))

    assert outcomes == ["rate_limited"] * 3 + ["started"] * 3
    assert PendingSignup.objects.filter(status="pending").count() == 1
