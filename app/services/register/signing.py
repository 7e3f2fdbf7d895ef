"""Ed25519 keys for the public register's checkpoints (no Flask).

A key is written as its raw 32-byte seed in standard base64 (44 characters),
which is what REGISTRY_SIGNING_KEY holds and `flask registry-key` prints.
"""
from __future__ import annotations

import base64
import binascii
import functools
import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


class SigningKeyError(ValueError):
    """The configured key is not a base64 32-byte seed."""


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def seed(text: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SigningKeyError("REGISTRY_SIGNING_KEY must be base64 of 32 random bytes") from exc
    if len(raw) != 32:
        raise SigningKeyError("REGISTRY_SIGNING_KEY must be base64 of exactly 32 bytes (an Ed25519 seed)")
    return raw


def _private(raw_seed: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(raw_seed)


@functools.lru_cache(maxsize=8)
def public_key(raw_seed: bytes) -> bytes:
    """The raw 32-byte public key."""
    return _private(raw_seed).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


@functools.lru_cache(maxsize=256)
def sign(raw_seed: bytes, message: bytes) -> bytes:
    """Ed25519 is deterministic, so a checkpoint's signature is cached per (key, body)."""
    return _private(raw_seed).sign(message)


def kept_key(path: Path) -> str:
    """A development key kept in a file, made on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it meanwhile
            return path.read_text().strip()
        with os.fdopen(fd, "w") as f:
            f.write(new_key() + "\n")
    return path.read_text().strip()
