"""Test plumbing. Every test base has three people, as in healthchecks: the tenant's owner, a
member of the same tenant, and someone with no access (a member of another tenant)."""

import os
import shutil
from types import SimpleNamespace

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from apps.accounts import services as key_services
from tests import db_roles
from tests.factories import PASSWORD, MembershipFactory, StaffFactory, TenantFactory

ON_SERVICES = os.environ.get("OPSDESK_TEST_SERVICES") == "1"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_report_header(config):
    db = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    if db_roles.separate():
        db += f" as {db_roles.APP['USER']} (owner {db_roles.OWNER['USER']})"
    return [
        f"opsdesk: database={db} broker={settings.CELERY_BROKER_URL.split('://')[0]} "
        f"services={'yes' if ON_SERVICES else 'no'} chromium={CHROMIUM or 'none'}"
    ]


def pytest_collection_modifyitems(config, items):
    skip_services = pytest.mark.skip(reason="needs PostgreSQL and Redis (make test found them down)")
    skip_browser = pytest.mark.skip(reason="needs Chromium (apt-get install chromium); .ci/run installs it")
    for item in items:
        if "services" in item.keywords and not ON_SERVICES:
            item.add_marker(skip_services)
        if "browser" in item.keywords and not CHROMIUM:
            item.add_marker(skip_browser)


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher():
    """MD5 instead of PBKDF2 (0.35 s a password) in tests only: the suite hashes hundreds. And no
    SLOW_QUERY events from lock waits on a loaded test machine (tests/core/test_slow_queries.py
    sets its own threshold)."""
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"], SLOW_QUERY_MS=600_000):
        yield


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings):
    """The owner creates and migrates the test database (tests/db_roles.py)."""
    db_roles.become(db_roles.OWNER)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """Test bodies run as the app's role; the owner drops the database at the end."""
    db_roles.become(db_roles.APP)
    yield
    db_roles.become(db_roles.OWNER)


@pytest.fixture(autouse=True)
def _flush_as_owner(request):
    """A transactional test ends with one TRUNCATE of every table, which the app's role may not
    run on the audit log: this fixture's teardown comes just before pytest-django's and hands the
    connection to the owner; pytest_runtest_teardown hands it back."""
    if not (db_roles.separate() and db_roles.is_transactional(request)):
        yield
        return
    request.getfixturevalue("_django_db_helper")
    yield
    db_roles.become(db_roles.OWNER)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    db_roles.become(db_roles.APP)


@pytest.fixture(autouse=True)
def _platform_context(request):
    """Tests build data with the ORM across tenants, so they run in the platform's row-level
    security context (apps/core/db_context.py); requests and tasks they make open their own.
    Tests marked `rls_wall` build their fixtures so, and run their body with no context, as
    production code does (pytest_runtest_call below)."""
    from apps.core import db_context

    with db_context.platform_context():
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    if "rls_wall" not in item.keywords:
        yield
        return
    from apps.core import db_context

    with db_context.no_context():
        yield


@pytest.fixture(autouse=True)
def _eager_celery(settings):
    """Tasks run in-process unless a test starts a real worker."""
    from config.celery import app

    app.conf.task_always_eager = True
    settings.CELERY_TASK_ALWAYS_EAGER = True
    yield


@pytest.fixture
def tenant(db):
    return TenantFactory(name="Alpha Rooms", slug="alpha")


@pytest.fixture
def other_tenant(db):
    return TenantFactory(name="Beta Bots", slug="beta")


@pytest.fixture
def people(tenant, other_tenant):
    """owner and member of `tenant`; `stranger` belongs only to `other_tenant`."""
    return SimpleNamespace(
        owner=MembershipFactory(tenant=tenant, role="owner", user__username="owner@alpha.test").user,
        member=MembershipFactory(tenant=tenant, role="agent", user__username="member@alpha.test").user,
        stranger=MembershipFactory(tenant=other_tenant, role="owner", user__username="owner@beta.test").user,
        password=PASSWORD,
    )


@pytest.fixture
def staff(db):
    return StaffFactory(username="oncall-1", is_superuser=True)


@pytest.fixture
def owner_client(client, people):
    client.force_login(people.owner)
    return client


@pytest.fixture
def tenant_api(tenant):
    _, key = key_services.issue_tenant_key(tenant, name="tests")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return api


@pytest.fixture
def operator_api(staff):
    _, key = key_services.issue_operator_key(staff.username, name="tests")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return api


@pytest.fixture
def fake_server():
    """A local HTTP server answering from routes the test sets (tests/fakes/server.py)."""
    from tests.fakes.server import FakeServer

    with FakeServer() as server:
        yield server
