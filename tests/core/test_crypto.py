"""Connection secrets are encrypted with the current key, decrypted with it or a previous one,
and `manage.py rotate_connection_key` moves every stored secret to the current key."""

import pytest
from django.core.management import CommandError, call_command

from apps.core import crypto
from apps.events.models import AuditEvent
from apps.incidents.models import OnCallEntry
from apps.integrations.models import Connection
from tests.integrations.factories import ConnectionFactory

OLD, NEW, OTHER = "old-key-" + "o" * 40, "new-key-" + "n" * 40, "other-key-" + "x" * 40


@pytest.fixture
def old_key(settings):
    settings.CONNECTION_ENCRYPTION_KEY, settings.CONNECTION_ENCRYPTION_PREVIOUS_KEYS = OLD, []
    return settings


def rotate_to_new(settings, *previous):
    settings.CONNECTION_ENCRYPTION_KEY, settings.CONNECTION_ENCRYPTION_PREVIOUS_KEYS = NEW, list(previous)


def only_new_key(settings):
    settings.CONNECTION_ENCRYPTION_KEY, settings.CONNECTION_ENCRYPTION_PREVIOUS_KEYS = NEW, []


def test_a_previous_key_still_decrypts(old_key):
    token = crypto.encrypt_json({"token": "s3cret"})
    rotate_to_new(old_key, OLD)
    assert crypto.decrypt_json(token) == {"token": "s3cret"}
    only_new_key(old_key)
    with pytest.raises(crypto.SecretsUnreadable):
        crypto.decrypt_json(token)


def test_rotation_reencrypts_every_stored_secret(db, old_key, capsys):
    connection = ConnectionFactory(secrets={"signing_secret": "whsec-1", "api_key": "k-1"})
    entry = OnCallEntry(level=1, name="Olga")
    entry.set_slack_webhook_url("https://hooks.slack.test/services/T/B/secret")
    entry.save()
    ConnectionFactory()  # no secrets: nothing to rotate

    rotate_to_new(old_key, OLD)
    call_command("rotate_connection_key")
    only_new_key(old_key)

    assert Connection.objects.get(pk=connection.pk).secrets() == {"signing_secret": "whsec-1", "api_key": "k-1"}
    assert OnCallEntry.objects.get(pk=entry.pk).slack_webhook_url.endswith("/B/secret")
    out = capsys.readouterr().out
    assert "integrations.Connection.secrets_encrypted: 1 re-encrypted, 0 unreadable" in out
    assert "incidents.OnCallEntry.slack_webhook_encrypted: 1 re-encrypted, 0 unreadable" in out
    assert AuditEvent.objects.filter(action="security.connection_key_rotated").exists()


def test_rows_no_key_decrypts_are_counted_and_left_alone(db, old_key):
    old_key.CONNECTION_ENCRYPTION_KEY = OTHER
    lost = ConnectionFactory(secrets={"signing_secret": "whsec-2"})
    rotate_to_new(old_key, OLD)

    with pytest.raises(CommandError, match="1 row\\(s\\) could not be decrypted"):
        call_command("rotate_connection_key")
    old_key.CONNECTION_ENCRYPTION_KEY = OTHER
    assert Connection.objects.get(pk=lost.pk).secrets() == {"signing_secret": "whsec-2"}
