"""Which PostgreSQL user the test process talks as. The owner (DATABASE_OWNER_URL) creates,
migrates, flushes and drops the test database; every test body runs as the app's role
(DATABASE_URL), as production does. Without an owner URL, or on SQLite, both are the same."""

import os
from contextlib import contextmanager

import environ
from django.db import connection
from pytest_django.fixtures import validate_django_db

TRANSACTIONAL_FIXTURES = {"transactional_db", "live_server", "django_db_reset_sequences"}


def _credentials(config) -> dict:
    return {"USER": config.get("USER") or "", "PASSWORD": config.get("PASSWORD") or ""}


def _owner_credentials() -> dict:
    url = os.environ.get("DATABASE_OWNER_URL", "")
    if not url or connection.vendor != "postgresql":
        return dict(APP)
    return _credentials(environ.Env.db_url_config(url))


APP = _credentials(connection.settings_dict)
OWNER = _owner_credentials()


def separate() -> bool:
    return APP != OWNER


def become(credentials):
    """Reconnects as `credentials` (lazily) unless already talking as them."""
    if _credentials(connection.settings_dict) == credentials:
        return
    connection.close()
    connection.settings_dict.update(credentials)


def is_transactional(request) -> bool:
    """Whether pytest-django runs this test as a TransactionTestCase, which flushes every table."""
    marker = request.node.get_closest_marker("django_db")
    transaction, reset_sequences = validate_django_db(marker)[:2] if marker else (False, False)
    return transaction or reset_sequences or bool(TRANSACTIONAL_FIXTURES & set(request.fixturenames))


@contextmanager
def owner_connection():
    """A connection of the owner's own (autocommit), beside the test's app-role one."""
    other = connection.copy()
    other.settings_dict.update(OWNER)
    try:
        yield other
    finally:
        other.close()


@contextmanager
def owner_cursor():
    with owner_connection() as other, other.cursor() as cursor:
        yield cursor
