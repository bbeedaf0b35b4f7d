"""Signed notes (C2SP ``signed-note``) with Ed25519: the envelope of the log's checkpoints.

A note is UTF-8 text ending in a newline, then a blank line, then one line per signature:
``— <key name> <base64(key hash || signature)>``, the key hash being the first four bytes of
SHA-256(name || "\\n" || 0x01 || public key). A verifier key is published as
``<name>+<key hash, 8 hex digits>+<base64(0x01 || public key)>``; a signer key (kept with the
vault's keys, never published) as ``PRIVATE+KEY+<name>+<key hash>+<base64(0x01 || seed)>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = b"\x01"
_DASH = "\u2014"  # the em dash that opens a signature line
_SIGNER_PREFIX = "PRIVATE+KEY+"


class NoteError(ValueError):
    """A key or a note that cannot be used, or a note this key did not sign (says which)."""


def _valid_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def key_hash(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public).digest()[:4]


@dataclass(frozen=True)
class Verifier:
    """A verifier key: the name a signature line carries, the key hash, the public key."""

    name: str
    hash: bytes
    public: bytes

    @classmethod
    def parse(cls, text: str) -> Verifier:
        parts = text.strip().split("+", 2)
        if len(parts) != 3 or not _valid_name(parts[0]):
            raise NoteError("a verifier key is name+hash+key (base64)")
        name, digits, encoded = parts
        raw = _b64(encoded, "the verifier key's key")
        if len(digits) != 8 or raw[:1] != ED25519 or len(raw) != 33:
            raise NoteError("a verifier key holds an 8-digit hash and an Ed25519 key")
        public = raw[1:]
        if digits.lower() != key_hash(name, public).hex():
            raise NoteError("the verifier key's hash does not match its name and key")
        return cls(name, key_hash(name, public), public)

    def text(self) -> str:
        return f"{self.name}+{self.hash.hex()}+{base64.b64encode(ED25519 + self.public).decode()}"


@dataclass(frozen=True)
class Signer:
    """A signer key: a name and an Ed25519 private key (its 32-byte seed)."""

    name: str
    seed: bytes

    def __post_init__(self) -> None:
        if not _valid_name(self.name):
            raise NoteError("a key name is text without spaces or '+'")
        if len(self.seed) != 32:
            raise NoteError("an Ed25519 seed is 32 bytes")

    @classmethod
    def generate(cls, name: str) -> Signer:
        seed = Ed25519PrivateKey.generate().private_bytes_raw()
        return cls(name, seed)

    @classmethod
    def parse(cls, text: str) -> Signer:
        if not text.startswith(_SIGNER_PREFIX):
            raise NoteError("a signer key starts PRIVATE+KEY+")
        parts = text.strip()[len(_SIGNER_PREFIX) :].split("+", 2)
        if len(parts) != 3:
            raise NoteError("a signer key is PRIVATE+KEY+name+hash+key (base64)")
        raw = _b64(parts[2], "the signer key's key")
        if raw[:1] != ED25519 or len(raw) != 33:
            raise NoteError("a signer key holds an Ed25519 seed")
        signer = cls(parts[0], raw[1:])
        if parts[1].lower() != signer.verifier().hash.hex():
            raise NoteError("the signer key's hash does not match its name and key")
        return signer

    def text(self) -> str:
        encoded = base64.b64encode(ED25519 + self.seed).decode()
        return f"{_SIGNER_PREFIX}{self.name}+{self.verifier().hash.hex()}+{encoded}"

    def verifier(self) -> Verifier:
        public = (
            Ed25519PrivateKey.from_private_bytes(self.seed)
            .public_key()
            .public_bytes(Encoding.Raw, PublicFormat.Raw)
        )
        return Verifier(self.name, key_hash(self.name, public), public)

    def sign(self, text: str) -> str:
        """``text`` (UTF-8, ending in a newline) as a note signed by this key."""
        _check_text(text)
        signature = Ed25519PrivateKey.from_private_bytes(self.seed).sign(text.encode())
        line = base64.b64encode(self.verifier().hash + signature).decode()
        return f"{text}\n{_DASH} {self.name} {line}\n"


def open_note(note: str, verifier: Verifier) -> str:
    """The text of ``note`` if ``verifier``'s key signed it; else ``NoteError`` saying why."""
    text, blank, signatures = note.rpartition("\n\n")
    if not blank or not signatures.endswith("\n"):
        raise NoteError("not a signed note: no blank line before signature lines")
    text += "\n"
    _check_text(text)
    found = False
    for line in signatures[:-1].split("\n"):
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != _DASH or not parts[1]:
            raise NoteError("a signature line is '— name base64'")
        name, encoded = parts[1], parts[2]
        raw = _b64(encoded, "a signature")
        if name != verifier.name or raw[:4] != verifier.hash:
            continue
        found = True
        try:
            Ed25519PublicKey.from_public_bytes(verifier.public).verify(raw[4:], text.encode())
        except InvalidSignature:
            raise NoteError(f"the signature by {verifier.name} does not verify") from None
    if not found:
        raise NoteError(f"no signature by {verifier.name} with this key")
    return text


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("a note's text ends in a newline")
    if "\n\n" in text or text.startswith("\n"):
        raise NoteError("a note's text has no blank line")


def _b64(encoded: str, what: str) -> bytes:
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError(f"{what}: not base64") from None
