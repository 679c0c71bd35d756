"""Backup files in their storage (settings.BACKUP_STORAGE, a STORAGES alias): writing one with its
manifest beside it, fetching one back, checking its SHA-256, opening it (decrypt, unpack), deleting.

Each file `<name>` has `<name>.manifest.json` next to it, so a restore after the database is lost
needs only the storage and the key."""

import gzip
import hashlib
import json
import shutil
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages

from apps.backups import crypto

READ = 1024 * 1024
SUFFIX = {"postgresql": ".pgdump", "sqlite": ".sqlite3.gz"}
ENCRYPTED = ".enc"


class ChecksumMismatch(Exception):
    pass


class NotFound(Exception):
    pass


def storage():
    return storages[settings.BACKUP_STORAGE]


def file_name(vendor, at, encrypted) -> str:
    return f"opsdesk-{at:%Y%m%dT%H%M%SZ}{SUFFIX[vendor]}{ENCRYPTED if encrypted else ''}"


def manifest_name(name) -> str:
    return f"{name}.manifest.json"


def sha256_of(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(READ), b""):
            digest.update(block)
    return digest.hexdigest()


def seal(raw, sealed, key):
    """The stored form of a dump: encrypted when there is a key, else the dump as it is."""
    if key:
        crypto.encrypt_file(raw, sealed, key)
    else:
        shutil.move(raw, sealed)


def store(local, name, manifest) -> str:
    """Writes the file (streamed by the storage) and then its manifest; returns the stored name."""
    with open(local, "rb") as handle:
        stored = storage().save(name, File(handle, name=name))
    write_manifest(stored, {**manifest, "file": stored})
    return stored


def write_manifest(name, manifest):
    from django.core.files.base import ContentFile

    body = json.dumps(manifest, indent=2, sort_keys=True, default=str).encode()
    target = manifest_name(name)
    if storage().exists(target):
        storage().delete(target)
    storage().save(target, ContentFile(body, name=target))


def read_manifest(name) -> dict:
    try:
        with storage().open(manifest_name(name), "rb") as handle:
            return json.loads(handle.read())
    except FileNotFoundError:
        raise NotFound(f"{manifest_name(name)} is not in the backup storage.") from None


def fetch(name, local):
    """Copies the stored file to `local`, a block at a time."""
    try:
        with storage().open(name, "rb") as remote, open(local, "wb") as out:
            shutil.copyfileobj(remote, out, READ)
    except FileNotFoundError:
        raise NotFound(f"{name} is not in the backup storage ({settings.BACKUP_STORAGE}).") from None


def verify(local, expected):
    actual = sha256_of(local)
    if actual != expected:
        raise ChecksumMismatch(f"SHA-256 of the file is {actual}, the manifest says {expected}: the file changed")
    return actual


def unseal(local, manifest, workdir, key) -> Path:
    """The restorable file: decrypted if it was encrypted, unpacked to a database file for SQLite."""
    path = Path(local)
    if manifest.get("encrypted"):
        if not key:
            raise crypto.BadKey("the backup is encrypted and BACKUP_ENCRYPTION_KEY is not set")
        plain = Path(workdir) / "decrypted"
        crypto.decrypt_file(path, plain, key)
        path = plain
    if manifest.get("vendor") == "sqlite":
        database_file = Path(workdir) / "restored.sqlite3"
        with gzip.open(path, "rb") as packed, open(database_file, "wb") as out:
            shutil.copyfileobj(packed, out, READ)
        path = database_file
    return path


def remove(name):
    for each in (name, manifest_name(name)):
        if storage().exists(each):
            storage().delete(each)


def stored_names() -> list[str]:
    """Backup files in the storage, newest name first (names sort by time)."""
    try:
        _, files = storage().listdir("")
    except (FileNotFoundError, NotImplementedError):
        return []
    return sorted((name for name in files if name.startswith("opsdesk-") and ".manifest" not in name), reverse=True)
