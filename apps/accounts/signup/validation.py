"""What an application must be before anything is stored: a company whose slug is free, an e-mail that
is valid, normalised and not taken, a password Django's validators accept, a real time zone. Every
field is checked and every problem reported at once."""

import zoneinfo
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.text import slugify

from apps.accounts.models import PendingSignup
from apps.accounts.signup import rules
from apps.tenants.models import Tenant

COMPANY_MAX = 200
SLUG_MAX = 64


@dataclass(frozen=True)
class Application:
    company: str
    slug: str
    email: str
    password_hash: str
    time_zone: str


def clean(fields: dict) -> Application:
    """The application, or SignupRefused listing every field that is wrong."""
    values = {name: str(fields.get(name) or "") for name in ("company", "email", "password", "timezone")}
    problems = {}
    email = _email(values["email"], problems)
    company, slug = _company(values["company"], email, problems)
    _password(values["password"], email, problems)
    time_zone = _time_zone(values["timezone"], problems)
    if problems:
        _refuse(problems)
    return Application(company, slug, email, make_password(values["password"]), time_zone)


def normalise_email(text: str) -> str:
    return text.strip().lower()


def slug_for(company: str) -> str:
    return slugify(company)[:SLUG_MAX].strip("-")


def _company(text, email, problems):
    company = " ".join(text.split())
    slug = slug_for(company)
    if not company:
        problems["company"] = ("invalid", "Enter your company's name.")
    elif len(company) > COMPANY_MAX:
        problems["company"] = ("invalid", f"The company name is too long (at most {COMPANY_MAX} characters).")
    elif not slug:
        problems["company"] = ("invalid", "The company name needs at least one letter or digit.")
    elif _slug_taken(slug, email):
        problems["company"] = ("company_taken", f"A company named like that ({slug}) already has an account.")
    return company, slug


def _slug_taken(slug, email) -> bool:
    """By a tenant, or by another applicant's signup still waiting (the same applicant may start again)."""
    waiting = PendingSignup.objects.filter(slug=slug, status__in=rules.OPEN_STATUSES, pin_expires_at__gt=timezone.now())
    waiting = waiting.exclude(email=email)
    return Tenant.objects.filter(slug=slug).exists() or waiting.exists()


def _email(text, problems) -> str:
    email = normalise_email(text)
    try:
        validate_email(email)
    except ValidationError:
        problems["email"] = ("invalid", "Enter a valid e-mail address.")
        return email
    User = get_user_model()
    if User.objects.filter(username__iexact=email).exists() or User.objects.filter(email__iexact=email).exists():
        problems["email"] = ("email_taken", "An account with this e-mail already exists: log in instead.")
    return email


def _password(password, email, problems):
    if not password:
        problems["password"] = ("invalid", "Choose a password.")
        return
    try:
        validate_password(password, user=get_user_model()(username=email, email=email))
    except ValidationError as exc:
        problems["password"] = ("weak_password", " ".join(exc.messages))


def _time_zone(text, problems) -> str:
    name = text.strip() or "UTC"
    if name not in zoneinfo.available_timezones():
        problems["timezone"] = ("invalid", f"Unknown time zone {name!r}: use a name such as Europe/Berlin.")
    return name


def _refuse(problems):
    codes = {code for code, _ in problems.values()}
    code = codes.pop() if len(codes) == 1 else "invalid"
    messages = {name: message for name, (_, message) in problems.items()}
    rules.refuse(code, " ".join(messages.values()), 400, fields=messages)
