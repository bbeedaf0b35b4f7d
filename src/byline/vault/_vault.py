"""The vault: names encrypted per account, decrypted only for audited staff reads and for the
public label of a verified name; keys re-wrapped on rotation and shredded on erasure.

Every method works in the caller's transaction (a SQLAlchemy ``Connection``), so the name, the
case change, the audit entry and the outbox message commit or roll back together.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from byline.audit import AuditAction, AuditEntry, append
from byline.domain.vocabulary import MAX_NOTE_CHARS, ErasureReason, StaffReadReason, coded
from byline.vault._crypto import associated_data, open_sealed, seal
from byline.vault._data_keys import RESERVED_ACCOUNT_PREFIX, DataKeys
from byline.vault._errors import (
    DecryptionFailed,
    NameErased,
    NameNotFound,
    NameStatusError,
    NoteNotFound,
)
from byline.vault._keys import KeyProvider
from byline.vault._label_names import SealedName, name_aad, open_name, read_sealed
from byline.vault._names import (
    NameKind,
    NameStatus,
    normalise_document_number,
    squash,
    validate_name,
)
from byline.vault._tables import vault_names, vault_notes

_MAX_ACCOUNT_ID = 200
_MAX_METHOD = 40
_MAX_REFERENCE = 120
_MAX_ACTOR = 120


@dataclass(frozen=True)
class NameRecord:
    """What the vault knows about a name, without the name."""

    name_id: str
    account_id: str
    kind: NameKind
    status: NameStatus
    submitted_at: dt.datetime
    verification_method: str | None
    verification_ref: str | None
    verified_at: dt.datetime | None  # for a rejected name: when it was rejected
    verified_by: str | None  # for a rejected name: who rejected it
    document_hash: str | None


class Vault:
    """The one door to personal data: the only code that decrypts a name."""

    def __init__(self, provider: KeyProvider) -> None:
        self._keys = DataKeys(provider)

    def __repr__(self) -> str:
        return f"Vault(provider={self._keys.provider!r})"

    @property
    def sealer(self) -> KeyProvider:
        """The key provider, for MACs over the audit chain's head (it never decrypts a name)."""
        return self._keys.provider

    # -- names in ----------------------------------------------------------------------------

    def submit_name(
        self, conn: Connection, account_id: str, name: str, kind: NameKind | str, at: dt.datetime
    ) -> str:
        """Encrypt and store ``name`` for ``account_id`` (status submitted); return its id.

        Raises ``NameRejected`` (a ``ValueError``) for an unacceptable name.
        """
        _check_account_id(account_id)
        stored = validate_name(name)
        kind = NameKind(kind)
        key_id, data_key = self._keys.for_account(conn, account_id, at)
        name_id = str(uuid.uuid4())
        nonce, ciphertext = seal(data_key, stored.encode(), name_aad(account_id, name_id))
        conn.execute(
            insert(vault_names).values(
                name_id=name_id,
                account_id=account_id,
                key_id=key_id,
                kind=kind.value,
                nonce=nonce,
                ciphertext=ciphertext,
                status=NameStatus.SUBMITTED.value,
                submitted_at=at,
            )
        )
        return name_id

    def verify_name(
        self,
        conn: Connection,
        name_id: str,
        method: str,
        reference: str,
        at: dt.datetime,
        verified_by: str,
        document_number: str | None = None,
    ) -> None:
        """Mark a submitted name verified, keeping how (method), the verifier's reference and
        when. A document number handed over is kept only as a keyed hash (see
        ``document_hash``); the number itself is never stored."""
        _check_text("verification method", method, _MAX_METHOD)
        _check_text("verification reference", reference, _MAX_REFERENCE)
        _check_text("verifier", verified_by, _MAX_ACTOR)
        digest = None
        if document_number is not None:
            canonical = normalise_document_number(document_number)
            if canonical in squash(reference):
                raise ValueError("the verification reference must not contain the document number")
            digest = self._keys.document_hash(conn, canonical, at)
        self._change_status(
            conn,
            name_id,
            {NameStatus.SUBMITTED},
            NameStatus.VERIFIED,
            verification_method=method,
            verification_ref=reference,
            verified_at=at,
            verified_by=verified_by,
            document_hash=digest,
        )

    def reject_name(self, conn: Connection, name_id: str, at: dt.datetime, by: str) -> None:
        """Mark a submitted (or previously verified) name rejected; it is never shown publicly.

        The decision's time and reviewer go in ``verified_at``/``verified_by``; the case's audit
        entries keep the full history."""
        _check_text("reviewer", by, _MAX_ACTOR)
        self._change_status(
            conn,
            name_id,
            {NameStatus.SUBMITTED, NameStatus.VERIFIED},
            NameStatus.REJECTED,
            verified_at=at,
            verified_by=by,
        )

    # -- names out ---------------------------------------------------------------------------

    def reveal_for_staff(
        self,
        conn: Connection,
        name_id: str,
        actor: str,
        reason: StaffReadReason | str,
        at: dt.datetime,
        request_id: str | None = None,
        note_id: str | None = None,
    ) -> str:
        """Decrypt a name for a member of staff, writing a ``name:decrypted`` audit entry (actor,
        account, the reason's code and the id of a note kept beside it; never the name) in the
        same transaction.

        This is the only way staff read a name. Show the name only after the transaction has
        committed, so that no read goes unrecorded. ``reason`` is a code (``StaffReadReason``),
        never free text; words beside it go in a note (``keep_note``).
        """
        _check_text("actor", actor, _MAX_ACTOR)
        code = coded(StaffReadReason, reason)
        row = self._name_row(conn, name_id)
        name = self._decrypt(conn, row)
        detail: dict[str, Any] = {"name_id": name_id, "reason": code.value}
        if note_id is not None:
            detail["note_id"] = note_id
        append(
            conn,
            AuditEntry(
                at=at,
                actor=actor,
                action=AuditAction.NAME_DECRYPTED,
                account_id=row.account_id,
                request_id=request_id,
                detail=detail,
            ),
        )
        return name

    # -- notes -------------------------------------------------------------------------------

    def keep_note(
        self, conn: Connection, account_id: str, text: str | None, at: dt.datetime
    ) -> str | None:
        """Encrypt free text given beside a coded reason under ``account_id``'s data key; return
        the note's id (None for no text). The text may hold anything, a name included: it never
        leaves the vault except through ``reveal_note``, and ``erase`` shreds it."""
        if text is None or not text.strip():
            return None
        note = text.strip()
        if len(note) > MAX_NOTE_CHARS:
            raise ValueError(f"a note is at most {MAX_NOTE_CHARS} characters")
        _check_account_id(account_id)
        key_id, data_key = self._keys.for_account(conn, account_id, at)
        note_id = str(uuid.uuid4())
        nonce, ciphertext = seal(data_key, note.encode(), _note_aad(account_id, note_id))
        conn.execute(
            insert(vault_notes).values(
                note_id=note_id,
                account_id=account_id,
                key_id=key_id,
                nonce=nonce,
                ciphertext=ciphertext,
                created_at=at,
            )
        )
        return note_id

    def reveal_note(
        self,
        conn: Connection,
        account_id: str,
        note_id: str,
        actor: str,
        reason: StaffReadReason | str,
        at: dt.datetime,
        request_id: str | None = None,
    ) -> str:
        """Decrypt one of ``account_id``'s notes for a member of staff, writing a
        ``note:decrypted`` audit entry (actor, account, note id, the reason's code; never the
        text) in the same transaction. A note of another account is not found."""
        _check_text("actor", actor, _MAX_ACTOR)
        code = coded(StaffReadReason, reason)
        row = conn.execute(
            select(vault_notes).where(
                vault_notes.c.note_id == note_id, vault_notes.c.account_id == account_id
            )
        ).first()
        if row is None:
            raise NoteNotFound(f"no note {note_id} for the account")
        if row.erased_at is not None or row.key_id is None:
            raise NameErased(f"note {note_id} was erased")
        key_row = self._keys.row(conn, row.key_id)
        if key_row is None:
            raise NameErased(f"note {note_id} was erased")
        if key_row.account_id != row.account_id:
            raise DecryptionFailed(f"note {note_id} points at another account's data key")
        plaintext = open_sealed(
            self._keys.unwrap(key_row),
            row.nonce,
            row.ciphertext,
            _note_aad(row.account_id, row.note_id),
        )
        if plaintext is None:
            raise DecryptionFailed(f"note {note_id} failed authentication")
        append(
            conn,
            AuditEntry(
                at=at,
                actor=actor,
                action=AuditAction.NOTE_DECRYPTED,
                account_id=account_id,
                request_id=request_id,
                detail={"note_id": note_id, "reason": code.value},
            ),
        )
        return plaintext.decode()

    def label_name(self, conn: Connection, account_id: str, name_id: str) -> str | None:
        """The name shown on ``account_id``'s public label: only a verified name of that account;
        None for any other name (submitted, rejected, erased, unknown, another account's).

        Not audited per read: the label is public by design, and it is shown to every viewer
        of the profile. The caller shows it only for a disclosed account (the case decides);
        the staff route to a name is ``reveal_for_staff``.
        """
        row = conn.execute(
            select(vault_names).where(
                vault_names.c.name_id == name_id, vault_names.c.account_id == account_id
            )
        ).first()
        if row is None or row.status != NameStatus.VERIFIED or row.key_id is None:
            return None
        return self._decrypt(conn, row)

    def label_names(self, conn: Connection, wanted: Mapping[str, str]) -> dict[str, str]:
        """``label_name`` for a batch: ``wanted`` maps account id -> name id; the answer maps
        each account id whose name is verified to that name (others are left out). One query
        for the names and their data keys together."""
        return {a: self.open_label(s) for a, s in self.sealed_label_names(conn, wanted).items()}

    def sealed_label_names(
        self, conn: Connection, wanted: Mapping[str, str]
    ) -> dict[str, SealedName]:
        """What ``label_names`` would decrypt, still sealed (see ``SealedName``): for a caller
        that keeps label reads for a while (the label cache) and opens each name as it shows it
        (``open_label``)."""
        return read_sealed(conn, wanted)

    def open_label(self, sealed: SealedName) -> str:
        """The name in ``sealed``; ``DecryptionFailed`` if it or its data key was altered, or
        the data key is not this account's; ``KeyRingError`` if its master key left the ring."""
        data_key = self._keys.provider.unwrap(
            sealed.wrapped_key, sealed.master_key_id, associated_data=sealed.key_context
        )
        return open_name(sealed, data_key)

    def record(self, conn: Connection, name_id: str) -> NameRecord:
        """The name's metadata (status, verification), without decrypting anything."""
        row = self._name_row(conn, name_id)
        return NameRecord(
            name_id=row.name_id,
            account_id=row.account_id,
            kind=NameKind(row.kind),
            status=NameStatus(row.status),
            submitted_at=row.submitted_at,
            verification_method=row.verification_method,
            verification_ref=row.verification_ref,
            verified_at=row.verified_at,
            verified_by=row.verified_by,
            document_hash=row.document_hash,
        )

    # -- keys --------------------------------------------------------------------------------

    def rotate(
        self, conn: Connection, at: dt.datetime, actor: str, *, limit: int | None = None
    ) -> int:
        """Re-wrap every data key not yet under the provider's current master key; return how
        many were re-wrapped (audited as ``keys:rotated``). With ``limit``, at most that many:
        call again, one transaction each, until it returns 0.

        Afterwards the old master keys hold nothing (``master_keys_in_use``) and can leave the
        ring. The data keys themselves, and so the ciphertexts, do not change.
        """
        _check_text("actor", actor, _MAX_ACTOR)
        current = self._keys.provider.current_key_id
        rewrapped, previous = self._keys.rewrap(conn, at, limit)
        append(
            conn,
            AuditEntry(
                at=at,
                actor=actor,
                action=AuditAction.KEYS_ROTATED,
                detail={"rewrapped": rewrapped, "to": current, "from": sorted(previous)},
            ),
        )
        return rewrapped

    def master_keys_in_use(self, conn: Connection) -> dict[str, int]:
        """Master key id -> how many data keys it wraps. A key absent here may leave the ring."""
        return self._keys.in_use(conn)

    def erase(
        self,
        conn: Connection,
        account_id: str,
        actor: str,
        at: dt.datetime,
        reason: ErasureReason | str,
    ) -> int:
        """Crypto-shred every name and note of ``account_id``: delete its data key, blank the
        ciphertexts, drop the verification reference and document hash, mark the names erased.
        Return how many names were erased; audited as ``name:erased`` with the reason's code.

        Afterwards ``reveal_for_staff`` and ``reveal_note`` raise ``NameErased`` and
        ``label_name`` returns None. Copies made before (database backups, not-yet-vacuumed row
        versions) hold the ciphertext and the wrapped key but never the master key, so they
        cannot be read once the master keys in use at the time are retired by rotation.
        """
        _check_account_id(account_id)
        _check_text("actor", actor, _MAX_ACTOR)
        code = coded(ErasureReason, reason)
        result = conn.execute(
            update(vault_names)
            .where(
                vault_names.c.account_id == account_id,
                vault_names.c.status != NameStatus.ERASED.value,
            )
            .values(
                status=NameStatus.ERASED.value,
                key_id=None,
                nonce=b"",
                ciphertext=b"",
                verification_ref=None,
                document_hash=None,
            )
        )
        erased = result.rowcount
        notes = conn.execute(
            update(vault_notes)
            .where(vault_notes.c.account_id == account_id, vault_notes.c.erased_at.is_(None))
            .values(key_id=None, nonce=b"", ciphertext=b"", erased_at=at)
        ).rowcount
        self._keys.shred(conn, account_id)
        append(
            conn,
            AuditEntry(
                at=at,
                actor=actor,
                action=AuditAction.NAME_ERASED,
                account_id=account_id,
                detail={"names": erased, "notes": notes, "reason": code.value},
            ),
        )
        return erased

    # -- inside ------------------------------------------------------------------------------

    def _decrypt(self, conn: Connection, row: Row[Any]) -> str:
        if row.status == NameStatus.ERASED or row.key_id is None:
            raise NameErased(f"name {row.name_id} was erased")
        key_row = self._keys.row(conn, row.key_id)
        if key_row is None:
            raise NameErased(f"name {row.name_id} was erased")
        if key_row.account_id != row.account_id:
            raise DecryptionFailed(f"name {row.name_id} points at another account's data key")
        return self._open(row, self._keys.unwrap(key_row))

    def _open(self, row: Row[*tuple[Any, ...]], data_key: bytes) -> str:
        plaintext = open_sealed(
            data_key, row.nonce, row.ciphertext, name_aad(row.account_id, row.name_id)
        )
        if plaintext is None:
            raise DecryptionFailed(
                f"name {row.name_id} failed authentication: its ciphertext was altered or moved "
                "from another row"
            )
        return plaintext.decode()

    def _name_row(self, conn: Connection, name_id: str) -> Row[Any]:
        row = conn.execute(select(vault_names).where(vault_names.c.name_id == name_id)).first()
        if row is None:
            raise NameNotFound(f"no name {name_id}")
        return row

    def _change_status(
        self,
        conn: Connection,
        name_id: str,
        allowed: set[NameStatus],
        status: NameStatus,
        **values: Any,
    ) -> None:
        result = conn.execute(
            update(vault_names)
            .where(
                vault_names.c.name_id == name_id,
                vault_names.c.status.in_([s.value for s in allowed]),
            )
            .values(status=status.value, **values)
        )
        if result.rowcount == 1:
            return
        current = NameStatus(self._name_row(conn, name_id).status)  # raises NameNotFound
        if current == NameStatus.ERASED:
            raise NameErased(f"name {name_id} was erased")
        raise NameStatusError(f"name {name_id} is {current}; it cannot become {status}")


def _note_aad(account_id: str, note_id: str) -> bytes:
    return associated_data("byline/vault/note/v1", account_id, note_id)


def _check_account_id(account_id: str) -> None:
    if not account_id or len(account_id) > _MAX_ACCOUNT_ID:
        raise ValueError(f"an account id is 1 to {_MAX_ACCOUNT_ID} characters")
    if account_id.startswith(RESERVED_ACCOUNT_PREFIX):
        raise ValueError(f"account ids starting {RESERVED_ACCOUNT_PREFIX!r} are the vault's own")


def _check_text(what: str, value: str, limit: int) -> None:
    if not value or not value.strip():
        raise ValueError(f"the {what} is required")
    if len(value) > limit:
        raise ValueError(f"the {what} is longer than {limit} characters")
