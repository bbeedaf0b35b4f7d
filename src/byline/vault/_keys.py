"""Master keys: the ``KeyProvider`` interface a cloud KMS can implement, and the local key ring.

A data key (one per account) is wrapped by a master key. ``LocalKeyProvider`` keeps a ring of
master keys: new data keys are wrapped with the current one, older ones stay in the ring only
until ``Vault.rotate`` has re-wrapped everything under the current key.

The key file is JSON, written with mode 0600 and refused when others may read it::

    {"format": "byline-master-keys/1",
     "current": "mk-20231222-1a2b3c4d",
     "keys": [{"id": "mk-20231222-1a2b3c4d", "created_at": "2023-12-22T08:00:00+00:00",
               "key": "<base64 of 32 random bytes>"}]}
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from byline.vault._crypto import KEY_BYTES, NONCE_BYTES, new_key, open_with, seal
from byline.vault._errors import DecryptionFailed, KeyRingError

ENV_MASTER_KEY = "BYLINE_MASTER_KEY"
ENV_KEY_FILE = "BYLINE_KEY_FILE"
KEY_FILE_FORMAT = "byline-master-keys/1"
_WRAP_VERSION = b"\x01"
_MAX_KEY_ID = 64  # vault_keys.master_key_id
_MAC_KEY_INFO = b"byline audit seal key/1"


def _hmac(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


@runtime_checkable
class KeyProvider(Protocol):
    """Wraps and unwraps data keys with a master key that never leaves the provider.

    ``associated_data`` binds a wrapped key to its owner (the vault passes the account id), the
    way AWS KMS's encryption context or Cloud KMS's additional authenticated data do.
    ``unwrap`` raises ``KeyRingError`` for a master key it does not hold and
    ``DecryptionFailed`` when the wrapped bytes or the associated data do not authenticate.
    """

    @property
    def current_key_id(self) -> str: ...

    def wrap(self, data_key: bytes, *, associated_data: bytes) -> tuple[bytes, str]:
        """(wrapped bytes, id of the master key that wrapped them) — always the current key."""
        ...

    def unwrap(self, wrapped: bytes, master_key_id: str, *, associated_data: bytes) -> bytes: ...

    def mac(self, message: bytes) -> tuple[bytes, str]:
        """(a MAC of ``message`` under a key only the provider holds, derived from its current
        master key; that master key's id) — what seals the audit log's head, the way a KMS's
        GenerateMac does."""
        ...

    def check_mac(self, message: bytes, tag: bytes, master_key_id: str) -> bool | None:
        """Whether ``tag`` is ``message``'s MAC under ``master_key_id``; None when the provider
        does not hold that key (retired after a rotation, or a wrong key file)."""
        ...


class LocalKeyProvider:
    """A ring of AES-256 master keys held in this process: from a key file, from
    ``BYLINE_MASTER_KEY`` (one key), or generated in memory (``ephemeral``, for tests and demos).
    """

    def __init__(
        self,
        keys: Mapping[str, bytes],
        current_key_id: str,
        *,
        key_file: Path | None = None,
        source: str = "memory",
    ) -> None:
        for key_id, key in keys.items():
            _check_key_id(key_id)
            if len(key) != KEY_BYTES:
                raise KeyRingError(f"master key {key_id} is not {KEY_BYTES} bytes")
        if current_key_id not in keys:
            raise KeyRingError(f"the current master key {current_key_id} is not in the ring")
        self._set_ring(dict(keys), current_key_id)
        self._key_file = key_file
        self._source = source

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def ephemeral(cls) -> LocalKeyProvider:
        """One fresh key in memory only: everything it wraps is lost with the process."""
        key_id = _new_key_id()
        return cls({key_id: new_key()}, key_id, source="memory")

    @classmethod
    def from_env_value(cls, value: str) -> LocalKeyProvider:
        """One master key given as base64 of 32 bytes (the value of ``BYLINE_MASTER_KEY``).

        Its id is a fingerprint of the key, so the same key has the same id in every process.
        """
        key = _decode_key(value.strip(), f"{ENV_MASTER_KEY} is not base64 of {KEY_BYTES} bytes")
        fingerprint = hashlib.sha256(b"byline master key id\x00" + key).hexdigest()[:16]
        key_id = f"env-{fingerprint}"
        return cls({key_id: key}, key_id, source=f"${ENV_MASTER_KEY}")

    @classmethod
    def from_key_file(cls, path: Path, *, create: bool = False) -> LocalKeyProvider:
        """The ring in ``path``; with ``create``, a new file with one key when there is none."""
        if not path.exists():
            if not create:
                raise KeyRingError(f"no key file at {path}")
            key_id = _new_key_id()
            # Exclusive: when two processes race to create the file, both end up with the winner's.
            _write_key_file(path, {key_id: (new_key(), _now())}, key_id, exclusive=True)
        keys, current = _read_key_file(path)
        return cls(
            {k: key for k, (key, _) in keys.items()},
            current,
            key_file=path,
            source=f"key file {path}",
        )

    # -- the KeyProvider interface -----------------------------------------------------------

    @property
    def current_key_id(self) -> str:
        return self._current

    @property
    def key_ids(self) -> tuple[str, ...]:
        """Every master key id in the ring (the current one included)."""
        return tuple(self._keys)

    @property
    def key_file(self) -> Path | None:
        return self._key_file

    def wrap(self, data_key: bytes, *, associated_data: bytes) -> tuple[bytes, str]:
        nonce, sealed = seal(self._keys[self._current], data_key, associated_data)
        return _WRAP_VERSION + nonce + sealed, self._current

    def unwrap(self, wrapped: bytes, master_key_id: str, *, associated_data: bytes) -> bytes:
        master = self._ciphers.get(master_key_id)
        if master is None:
            raise KeyRingError(
                f"master key {master_key_id} is not in the ring ({self._source}); "
                "a wrong key file, or a key removed before rotation re-wrapped its data keys"
            )
        if wrapped[:1] != _WRAP_VERSION:
            raise DecryptionFailed(f"wrapped key under {master_key_id} has an unknown format")
        nonce, sealed = wrapped[1 : 1 + NONCE_BYTES], wrapped[1 + NONCE_BYTES :]
        data_key = open_with(master, nonce, sealed, associated_data)
        if data_key is None:
            raise DecryptionFailed(
                f"wrapped key under {master_key_id} failed authentication "
                "(altered, or moved to another account)"
            )
        return data_key

    def mac(self, message: bytes) -> tuple[bytes, str]:
        return _hmac(self._mac_key(self._current), message), self._current

    def check_mac(self, message: bytes, tag: bytes, master_key_id: str) -> bool | None:
        if master_key_id not in self._keys:
            return None
        return hmac.compare_digest(_hmac(self._mac_key(master_key_id), message), tag)

    def _mac_key(self, master_key_id: str) -> bytes:
        """A key for MACs only, derived from the master key (HKDF): never used to wrap."""
        return HKDF(
            algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=_MAC_KEY_INFO
        ).derive(self._keys[master_key_id])

    # -- managing the ring -------------------------------------------------------------------

    def add_key(self) -> str:
        """Add a fresh master key and make it current; return its id.

        File-backed rings are re-read and rewritten atomically, so the file stays the truth.
        Afterwards run ``Vault.rotate`` to re-wrap the data keys, then ``remove_key`` the old ones.
        """
        key_id = _new_key_id()
        if self._key_file is not None:
            keys, _ = _read_key_file(self._key_file)
            keys[key_id] = (new_key(), _now())
            _write_key_file(self._key_file, keys, key_id)
            self._reload()
        elif self._source == "memory":
            self._set_ring({**self._keys, key_id: new_key()}, key_id)
        else:
            raise KeyRingError(
                f"master key comes from {self._source}: it holds one key; use a key file "
                f"({ENV_KEY_FILE}) to rotate"
            )
        return key_id

    def remove_key(self, key_id: str) -> None:
        """Drop a master key that no data key uses any more (see ``Vault.master_key_ids``)."""
        if key_id == self._current:
            raise KeyRingError(f"master key {key_id} is the current key; add a new key first")
        if key_id not in self._keys:
            raise KeyRingError(f"master key {key_id} is not in the ring")
        if self._key_file is not None:
            keys, current = _read_key_file(self._key_file)
            keys.pop(key_id, None)
            _write_key_file(self._key_file, keys, current)
            self._reload()
        else:
            self._set_ring({k: v for k, v in self._keys.items() if k != key_id}, self._current)

    def _reload(self) -> None:
        assert self._key_file is not None
        keys, current = _read_key_file(self._key_file)
        self._set_ring({k: key for k, (key, _) in keys.items()}, current)

    def _set_ring(self, keys: dict[str, bytes], current: str) -> None:
        self._keys, self._current = keys, current
        # Each master key's cipher, made once: every label shown unwraps a data key with one.
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}

    def __repr__(self) -> str:
        return (
            f"LocalKeyProvider(source={self._source!r}, keys={len(self._keys)}, "
            f"current={self._current!r})"
        )


class NoKeyRing:
    """The provider of a database opened without key material (to read its audit chain or
    its outbox, say): it holds no key, so nothing can be encrypted, decrypted or sealed
    through it, and no seal checks (``check_mac`` is None: the key is not held)."""

    _WHY = "no master key here: set BYLINE_MASTER_KEY or BYLINE_KEY_FILE, or use the key file"

    @property
    def current_key_id(self) -> str:
        raise KeyRingError(self._WHY)

    def wrap(self, data_key: bytes, *, associated_data: bytes) -> tuple[bytes, str]:
        raise KeyRingError(self._WHY)

    def unwrap(self, wrapped: bytes, master_key_id: str, *, associated_data: bytes) -> bytes:
        raise KeyRingError(self._WHY)

    def mac(self, message: bytes) -> tuple[bytes, str]:
        raise KeyRingError(self._WHY)

    def check_mac(self, message: bytes, tag: bytes, master_key_id: str) -> bool | None:
        return None


def key_provider_from_env(
    default_key_file: Path, *, environ: Mapping[str, str] | None = None
) -> LocalKeyProvider:
    """``BYLINE_MASTER_KEY`` if set; else the key file named by ``BYLINE_KEY_FILE`` (which must
    exist); else ``default_key_file``, created on first use."""
    env = os.environ if environ is None else environ
    if env.get(ENV_MASTER_KEY):
        return LocalKeyProvider.from_env_value(env[ENV_MASTER_KEY])
    if env.get(ENV_KEY_FILE):
        return LocalKeyProvider.from_key_file(Path(env[ENV_KEY_FILE]))
    return LocalKeyProvider.from_key_file(default_key_file, create=True)


# -- the key file ----------------------------------------------------------------------------

_Ring = dict[str, tuple[bytes, str]]  # key id -> (key, created_at)


def _read_key_file(path: Path) -> tuple[_Ring, str]:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KeyRingError(f"cannot read key file {path}: {exc.strerror}") from None
    if os.name == "posix" and mode & 0o077:
        raise KeyRingError(
            f"key file {path} is open to other users (mode {mode:04o}); run: chmod 600 {path}"
        )
    try:
        doc: Any = json.loads(text)
        if doc.get("format") != KEY_FILE_FORMAT:
            raise KeyRingError(f"key file {path} is not a {KEY_FILE_FORMAT} file")
        ring: _Ring = {}
        for entry in doc["keys"]:
            key_id = str(entry["id"])
            _check_key_id(key_id)
            bad = f"key {key_id} in {path} is not base64 of {KEY_BYTES} bytes"
            ring[key_id] = (_decode_key(str(entry["key"]), bad), str(entry.get("created_at", "")))
        current = str(doc["current"])
    except (ValueError, KeyError, TypeError, AttributeError):
        raise KeyRingError(f"key file {path} is malformed") from None
    if current not in ring:
        raise KeyRingError(f"key file {path}: the current key {current} is not in it")
    return ring, current


def _write_key_file(path: Path, ring: _Ring, current: str, *, exclusive: bool = False) -> None:
    """Write atomically (temporary file, fsync, rename) with mode 0600 from the start.

    ``exclusive`` never replaces an existing file (it is linked into place, not renamed).
    """
    doc = {
        "format": KEY_FILE_FORMAT,
        "current": current,
        "keys": [
            {"id": key_id, "created_at": created, "key": base64.b64encode(key).decode()}
            for key_id, (key, created) in ring.items()
        ],
    }
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(doc, out, indent=2)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        if exclusive:
            # If another process created it first, theirs is the ring.
            with contextlib.suppress(FileExistsError):
                path.hardlink_to(tmp)
            tmp.unlink()
        else:
            tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if os.name == "posix":
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _decode_key(value: str, message: str) -> bytes:
    try:
        key = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise KeyRingError(message) from None
    if len(key) != KEY_BYTES:
        raise KeyRingError(message)
    return key


def _check_key_id(key_id: str) -> None:
    if not key_id or len(key_id) > _MAX_KEY_ID or not key_id.isprintable():
        raise KeyRingError(f"master key ids are 1 to {_MAX_KEY_ID} printable characters")


def _new_key_id() -> str:
    return f"mk-{_now()[:10].replace('-', '')}-{secrets.token_hex(4)}"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
