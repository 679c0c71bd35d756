import pytest


@pytest.fixture
def backup_storage(settings, tmp_path):
    """The backups storage in a folder of this test's own."""
    folder = tmp_path / "backups"
    settings.STORAGES = {
        **settings.STORAGES,
        "backups": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(folder)}},
    }
    settings.BACKUP_STORAGE = "backups"
    settings.BACKUP_ENCRYPTION_KEY = ""
    return folder
