"""What can go wrong in the vault. No message ever carries a name, a document number or a key."""

from __future__ import annotations

from byline.domain.errors import CodedError


class VaultError(Exception):
    """Base of every vault error."""


class NameRejected(VaultError, CodedError, ValueError):
    """A submitted name is not acceptable (empty, too long, control characters).

    The message says why, never what: the rejected name is not repeated.
    """


class NameNotFound(VaultError, LookupError):
    """No name with this id (or not for this account)."""


class NoteNotFound(VaultError, LookupError):
    """No note with this id (or not for this account)."""


class NameErased(VaultError):
    """The name was crypto-shredded: its data key is gone and it can never be read again."""


class NameStatusError(VaultError):
    """The name's status does not allow the change (e.g. verifying a rejected name)."""


class DecryptionFailed(VaultError):
    """Ciphertext or a wrapped key failed authentication: altered, or moved between rows."""


class KeyRingError(VaultError):
    """The master keys are missing or unusable (key file, ``BYLINE_MASTER_KEY``, unknown key id)."""
