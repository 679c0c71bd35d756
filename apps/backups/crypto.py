"""Streaming AES-256-GCM for backup files, so a dump of many gigabytes never sits in memory.

File layout: MAGIC, an 8-byte random nonce prefix, then chunks of `<4-byte length><ciphertext+tag>`.
Chunk i is sealed with the nonce `prefix + i` and, as associated data, MAGIC plus a flag that says
whether it is the last chunk: reordered, dropped or truncated chunks fail to open, and a file cut at
a chunk boundary fails too (its last chunk was not sealed as the last)."""

import base64
import binascii
import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"OPSDESK-BACKUP-AESGCM-1\n"
CHUNK = 1024 * 1024
PREFIX_BYTES = 8
LENGTH = struct.Struct(">I")


class DecryptionFailed(Exception):
    """The file was not written with this key, or it was changed or cut short."""


class BadKey(ValueError):
    pass


def parse_key(text) -> bytes:
    """BACKUP_ENCRYPTION_KEY: 32 random bytes in url-safe base64 (44 characters)."""
    try:
        key = base64.urlsafe_b64decode(text.strip().encode())
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise BadKey(
            "BACKUP_ENCRYPTION_KEY must be 32 bytes in url-safe base64; make one with: python -c "
            '"import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())"'
        )
    return key


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def is_encrypted(path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def _nonce(prefix, index) -> bytes:
    return prefix + index.to_bytes(4, "big")


def _aad(last) -> bytes:
    return MAGIC + (b"\x01" if last else b"\x00")


def encrypt_file(source, target, key):
    """Writes `source` (a path) encrypted to `target` (a path), one chunk in memory at a time."""
    aead, prefix = AESGCM(key), os.urandom(PREFIX_BYTES)
    with open(source, "rb") as src, open(target, "wb") as out:
        out.write(MAGIC + prefix)
        index, chunk = 0, src.read(CHUNK)
        while True:
            following = src.read(CHUNK)
            sealed = aead.encrypt(_nonce(prefix, index), chunk, _aad(last=not following))
            out.write(LENGTH.pack(len(sealed)) + sealed)
            if not following:
                return
            index, chunk = index + 1, following


def decrypt_file(source, target, key):
    """Opens what `encrypt_file` wrote; raises DecryptionFailed when anything does not match."""
    aead = AESGCM(key)
    with open(source, "rb") as src, open(target, "wb") as out:
        if src.read(len(MAGIC)) != MAGIC:
            raise DecryptionFailed("not an encrypted Opsdesk backup (its header is missing)")
        prefix, index = src.read(PREFIX_BYTES), 0
        sealed = _read_chunk(src)
        while sealed is not None:
            following = _read_chunk(src)
            out.write(_open(aead, prefix, index, sealed, last=following is None))
            index, sealed = index + 1, following
        if index == 0:
            raise DecryptionFailed("the encrypted file holds no data (it was cut short)")


def _read_chunk(src):
    header = src.read(LENGTH.size)
    if not header:
        return None
    if len(header) < LENGTH.size:
        raise DecryptionFailed("the encrypted file was cut short")
    (length,) = LENGTH.unpack(header)
    sealed = src.read(length)
    if len(sealed) != length:
        raise DecryptionFailed("the encrypted file was cut short")
    return sealed


def _open(aead, prefix, index, sealed, last) -> bytes:
    try:
        return aead.decrypt(_nonce(prefix, index), sealed, _aad(last))
    except InvalidTag:
        raise DecryptionFailed(
            f"chunk {index} does not open: wrong BACKUP_ENCRYPTION_KEY, or the file was changed or cut short"
        ) from None
