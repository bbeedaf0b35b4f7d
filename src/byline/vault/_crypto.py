"""AES-256-GCM sealing with associated data: the one cipher of the vault."""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # 96-bit random nonces; a data key seals few messages, far below the GCM limit


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=8 * KEY_BYTES)


def associated_data(purpose: str, *parts: str) -> bytes:
    """An unambiguous encoding of the context a ciphertext is bound to (length-prefixed parts)."""
    out = bytearray()
    for part in (purpose, *parts):
        raw = part.encode()
        out += len(raw).to_bytes(4, "big") + raw
    return bytes(out)


def seal(key: bytes, plaintext: bytes, aad: bytes) -> tuple[bytes, bytes]:
    """(nonce, ciphertext with tag)."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce, AESGCM(key).encrypt(nonce, plaintext, aad)


def open_sealed(key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes | None:
    """The plaintext, or None when authentication fails (wrong key, context or altered bytes)."""
    if len(key) != KEY_BYTES:
        return None
    return open_with(AESGCM(key), nonce, ciphertext, aad)


def open_with(cipher: AESGCM, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes | None:
    """``open_sealed`` with the key's cipher made once (a key used for many messages: a
    master key; making one costs more than a decryption of a name)."""
    if len(nonce) != NONCE_BYTES:
        return None
    try:
        return cipher.decrypt(nonce, ciphertext, aad)
    except InvalidTag:
        return None
