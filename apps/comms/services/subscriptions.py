"""Status page subscriptions by e-mail, double opt-in. `subscribe` stores the address as pending
and queues the confirmation e-mail; `confirm` (the e-mail's single-use link) makes it a
subscriber; `unsubscribe` (the link in every e-mail, one click, no login) ends it.

The subscribe form is public, so it is rate-limited per address and per network address (a
confirmation e-mail must not become a way to spam someone), and says the same thing whether or not
the address was already subscribed."""

import hashlib
import math
import secrets
from datetime import timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone

from apps.comms.models import SubscribeAttempt, Subscriber
from apps.comms.services import outbox_mail
from apps.core import db_context
from apps.core.errors import ServiceError
from apps.events import audit

State = Subscriber.State
CONFIRM_VALID_FOR = timedelta(hours=48)
RATE_WINDOW = timedelta(hours=1)
MAX_PER_ADDRESS = 3
MAX_PER_NETWORK = 10
ATTEMPTS_KEPT_FOR = timedelta(days=1)
TOKEN_SALT = "comms.confirm"
UNSUBSCRIBE_SALT = "comms.unsubscribe"


class RateLimited(ServiceError):
    status_code = 429

    def __init__(self, message, retry_after):
        super().__init__(message, "rate_limited")
        self.retry_after = retry_after


def normalise_email(text) -> str:
    """Trimmed and lower case (the whole address: providers treat the local part so)."""
    email = (text or "").strip().lower()
    if len(email) > 254:
        raise ServiceError("That e-mail address is too long (at most 254 characters).", "invalid_email")
    try:
        validate_email(email)
    except ValidationError:
        raise ServiceError("Enter a valid e-mail address, like name@example.com.", "invalid_email") from None
    return email


@db_context.as_platform  # a subscriber belongs to no tenant, whoever asks
def subscribe(raw_email, *, ip=None, now=None) -> Subscriber:
    """A pending subscriber with a fresh confirmation e-mail queued, or the confirmed one untouched
    (nothing is sent to it: the answer is the same, so the form reveals nobody's subscription)."""
    email, now = normalise_email(raw_email), now or timezone.now()
    with transaction.atomic():
        _serialise(email, ip)
        _check_rate(email, ip, now)
        SubscribeAttempt.objects.create(email=email, ip=ip, at=now)
        subscriber = Subscriber.objects.select_for_update().filter(email=email).first()
        if subscriber is not None and subscriber.is_confirmed:
            return subscriber
        subscriber = _pending(subscriber or Subscriber(email=email, created_at=now), ip, now)
        outbox_mail.queue_confirmation(subscriber, now)
        audit.record("comms.subscription_requested", actor_label="status page", target=subscriber, ip_address=ip)
    return subscriber


def _serialise(email, ip):
    """Two requests for the same address or network wait for each other (advisory locks to the
    end of the transaction, in one order), so both cannot pass the rate limit at once."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for key in sorted({f"comms:email:{email}", f"comms:ip:{ip or '-'}"}):
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])


def _check_rate(email, ip, now):
    recent = SubscribeAttempt.objects.filter(at__gt=now - RATE_WINDOW)
    checks = [("this e-mail address", recent.filter(email=email), MAX_PER_ADDRESS)]
    if ip:
        checks.append(("your network", recent.filter(ip=ip), MAX_PER_NETWORK))
    for what, attempts, limit in checks:
        times = list(attempts.values_list("at", flat=True)[:limit])
        if len(times) >= limit:
            wait = max(1, math.ceil((min(times) + RATE_WINDOW - now).total_seconds()))
            raise RateLimited(
                f"Too many subscription requests from {what}: at most {limit} an hour. "
                f"Try again in {math.ceil(wait / 60)} minute(s).",
                retry_after=wait,
            )


def _pending(subscriber, ip, now):
    subscriber.state, subscriber.requested_ip, subscriber.requested_at = State.PENDING, ip, now
    subscriber.unsubscribed_at = None
    subscriber.token_nonce = secrets.token_hex(16)
    subscriber.token_expires_at = now + CONFIRM_VALID_FOR
    if subscriber.pk is None:
        subscriber.save()
    subscriber.token_hash = token_hash(confirmation_token(subscriber))
    subscriber.save()
    return subscriber


def confirmation_token(subscriber) -> str:
    """The link's token, made again from the row's nonce and the secret key when the e-mail is sent."""
    return signing.Signer(salt=TOKEN_SALT).signature(f"{subscriber.pk}:{subscriber.token_nonce}")


def token_hash(token) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def pending_for(token, now=None):
    """The pending subscriber whose unexpired link this is, or None."""
    if not token or len(token) > 200:
        return None
    subscriber = Subscriber.objects.filter(token_hash=token_hash(token), state=State.PENDING).first()
    if subscriber is None or subscriber.token_expires_at <= (now or timezone.now()):
        return None
    return subscriber


@db_context.as_platform
def confirm(token, *, ip=None, now=None) -> Subscriber:
    """Makes the link's address a subscriber; the link then no longer works."""
    now = now or timezone.now()
    with transaction.atomic():
        subscriber = pending_for(token, now)
        if subscriber is None:
            raise ServiceError(
                "This confirmation link is not valid any more: it was used already or is over 48 hours "
                "old. Subscribe again on the status page for a new one.",
                "invalid_token",
            )
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        subscriber.state, subscriber.confirmed_at = State.CONFIRMED, now
        subscriber.token_hash, subscriber.token_nonce, subscriber.token_expires_at = "", "", None
        subscriber.save()
        audit.record("comms.subscription_confirmed", actor_label="status page", target=subscriber, ip_address=ip)
    return subscriber


def unsubscribe_token(subscriber) -> str:
    return signing.dumps(subscriber.pk, salt=UNSUBSCRIBE_SALT)


@db_context.as_platform
def unsubscribe(token, *, ip=None, now=None) -> Subscriber:
    """Ends the subscription the link names (a second click changes nothing)."""
    try:
        pk = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        message = "This unsubscribe link is not valid: copy the whole link from the e-mail."
        raise ServiceError(message, "invalid_token") from None
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().filter(pk=pk).first()
        if subscriber is None:
            raise ServiceError("This subscription no longer exists: nothing more will be sent.", "not_found")
        if subscriber.state != State.UNSUBSCRIBED:
            _end(subscriber, now or timezone.now(), ip, "status page")
    return subscriber


def remove(subscriber, *, actor, request=None, now=None) -> Subscriber:
    """An operator unsubscribes an address (it asked by other means)."""
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        if subscriber.state == State.UNSUBSCRIBED:
            raise ServiceError(f"{subscriber.email} is already unsubscribed.", "unchanged")
        _end(subscriber, now or timezone.now(), None, "", actor=actor, request=request)
    return subscriber


def _end(subscriber, now, ip, label, actor=None, request=None):
    subscriber.state, subscriber.unsubscribed_at = State.UNSUBSCRIBED, now
    subscriber.token_hash, subscriber.token_nonce, subscriber.token_expires_at = "", "", None
    subscriber.save()
    audit.record(
        "comms.unsubscribed", actor=actor, actor_label=label, target=subscriber, ip_address=ip, request=request
    )


def purge_attempts(now=None) -> int:
    """Forgets rate-limit rows older than a day (the window is an hour)."""
    cutoff = (now or timezone.now()) - ATTEMPTS_KEPT_FOR
    return SubscribeAttempt.objects.filter(at__lt=cutoff).delete()[0]
