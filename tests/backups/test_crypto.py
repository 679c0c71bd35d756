"""Backup files are encrypted with AES-256-GCM a chunk at a time; any change, cut or wrong key fails."""

import os

import pytest

from apps.backups import crypto


@pytest.fixture
def key():
    return crypto.parse_key(crypto.new_key())


@pytest.fixture
def plain(tmp_path):
    path = tmp_path / "dump"
    path.write_bytes(os.urandom(crypto.CHUNK * 2 + 12345))  # three chunks, the last one short
    return path


def seal(plain, key, tmp_path):
    sealed = tmp_path / "dump.enc"
    crypto.encrypt_file(plain, sealed, key)
    return sealed


def test_round_trip_gives_back_every_byte(plain, key, tmp_path):
    sealed = seal(plain, key, tmp_path)
    opened = tmp_path / "opened"
    crypto.decrypt_file(sealed, opened, key)
    assert opened.read_bytes() == plain.read_bytes()
    assert crypto.is_encrypted(sealed) and not crypto.is_encrypted(plain)
    assert plain.read_bytes()[:4096] not in sealed.read_bytes()


def test_an_empty_file_round_trips(tmp_path, key):
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    sealed, opened = seal(empty, key, tmp_path), tmp_path / "opened"
    crypto.decrypt_file(sealed, opened, key)
    assert opened.read_bytes() == b""


def test_the_wrong_key_does_not_open(plain, key, tmp_path):
    sealed = seal(plain, key, tmp_path)
    with pytest.raises(crypto.DecryptionFailed, match="wrong BACKUP_ENCRYPTION_KEY"):
        crypto.decrypt_file(sealed, tmp_path / "opened", crypto.parse_key(crypto.new_key()))


def test_a_changed_byte_does_not_open(plain, key, tmp_path):
    sealed = seal(plain, key, tmp_path)
    data = bytearray(sealed.read_bytes())
    data[len(data) // 2] ^= 1
    sealed.write_bytes(bytes(data))
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt_file(sealed, tmp_path / "opened", key)


def test_a_file_cut_at_a_chunk_boundary_does_not_open(plain, key, tmp_path):
    """Dropping the last chunk leaves a well-formed file whose last chunk was not sealed as the last."""
    sealed = seal(plain, key, tmp_path)
    data = sealed.read_bytes()
    header = len(crypto.MAGIC) + crypto.PREFIX_BYTES
    two_chunks = header + 2 * (crypto.LENGTH.size + crypto.CHUNK + 16)
    sealed.write_bytes(data[:two_chunks])
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt_file(sealed, tmp_path / "opened", key)


@pytest.mark.parametrize("text", ["", "short", "x" * 44, "c2VjcmV0"])
def test_a_key_that_is_not_32_bytes_of_base64_is_refused_with_how_to_make_one(text):
    with pytest.raises(crypto.BadKey, match="urlsafe_b64encode"):
        crypto.parse_key(text)
