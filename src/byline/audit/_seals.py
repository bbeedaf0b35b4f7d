"""Seals: the audit chain's head, MAC'd with a key the database does not hold.

The hash chain shows an edit, but anyone who can write the database can also recompute every
later hash and the head. A seal is the head at one moment (entry number and hash) with a MAC
from the key provider, written in the same transaction as the entry it follows: every staff read
of a name, every cycle, every key rotation. Without the key, a seal cannot be made or moved, so
rewriting an entry before a seal breaks that seal, and removing a sealed read means removing
every later seal too, which leaves later sealed entries uncovered. Seals also go to the
platform (webhook topic ``audit``), so a log cut back together with its seals is caught by
``verify --anchor`` with the platform's copy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any, Protocol

from sqlalchemy import Connection, insert, select

from byline.audit._log import ChainReport, head, verify_chain
from byline.audit._tables import audit_head, audit_seals
from byline.domain.vocabulary import AuditAction

# Entries that must be followed by a seal: a staff read of a name or a note never quietly vanishes.
MUST_BE_SEALED = frozenset({AuditAction.NAME_DECRYPTED.value, AuditAction.NOTE_DECRYPTED.value})


class Sealer(Protocol):
    """What seals need of the key provider (``byline.vault.KeyProvider`` is one)."""

    def mac(self, message: bytes) -> tuple[bytes, str]: ...

    def check_mac(self, message: bytes, tag: bytes, master_key_id: str) -> bool | None: ...


@dataclass(frozen=True)
class Seal:
    seal_no: int
    seq: int
    hash: str
    sealed_at: dt.datetime
    reason: str
    key_id: str
    mac: str

    def as_dict(self) -> dict[str, Any]:
        """What the platform keeps: ``seq`` and ``hash`` are an anchor for ``verify``."""
        return {
            "seal_no": self.seal_no,
            "seq": self.seq,
            "hash": self.hash,
            "sealed_at": self.sealed_at.isoformat(),
            "reason": self.reason,
            "key_id": self.key_id,
            "mac": self.mac,
        }


def _message(seq: int, digest: str, sealed_at: dt.datetime, reason: str) -> bytes:
    at = sealed_at.astimezone(dt.UTC).isoformat()
    return f"byline-audit-seal/1|{seq}|{digest}|{at}|{reason}".encode()


def seal(conn: Connection, sealer: Sealer, at: dt.datetime, reason: str) -> Seal:
    """Seal the chain's head as it stands in the caller's transaction."""
    conn.execute(select(audit_head.c.seq).where(audit_head.c.id == 1).with_for_update()).first()
    seq, digest = head(conn)
    tag, key_id = sealer.mac(_message(seq, digest, at, reason))
    row: dict[str, Any] = {
        "seq": seq,
        "hash": digest,
        "sealed_at": at,
        "reason": reason,
        "key_id": key_id,
        "mac": tag.hex(),
    }
    seal_no = conn.execute(insert(audit_seals).values(**row).returning(audit_seals.c.seal_no))
    return Seal(seal_no=int(seal_no.scalar_one()), **row)


def seals(conn: Connection) -> list[Seal]:
    rows = conn.execute(select(audit_seals).order_by(audit_seals.c.seal_no)).mappings()
    return [Seal(**dict(r)) for r in rows]


@dataclass(frozen=True)
class SealCheck:
    """What the seals say: how many were checked with the key, how many are under a master key
    the provider no longer holds, the newest entry a checked seal covers, and a problem."""

    checked: int = 0
    unverifiable: int = 0
    sealed_to: int = 0
    problem: str = ""
    first_bad_seq: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "unverifiable": self.unverifiable,
            "sealed_to": self.sealed_to,
        }


def check_seals(sealer: Sealer, found: list[Seal]) -> SealCheck:
    """Check each seal's MAC (the chain's hashes are compared by ``verify``)."""
    checked = unverifiable = sealed_to = 0
    for s in found:
        try:
            tag = bytes.fromhex(s.mac)
        except ValueError:
            tag = b""
        good = sealer.check_mac(_message(s.seq, s.hash, s.sealed_at, s.reason), tag, s.key_id)
        if good is None:
            unverifiable += 1
            continue
        if not good:
            return SealCheck(
                checked,
                unverifiable,
                sealed_to,
                f"seal {s.seal_no} (entry {s.seq}) does not authenticate: forged or altered",
                s.seq,
            )
        checked += 1
        sealed_to = max(sealed_to, s.seq)
    return SealCheck(checked, unverifiable, sealed_to)


def verify(
    conn: Connection, anchor: tuple[int, str] | None = None, sealer: Sealer | None = None
) -> ChainReport:
    """The chain, its seals and, with ``sealer``, the seals' MACs: intact only if every entry
    fits, every seal the key can check authenticates and still matches its entry, and every
    staff read of a name is followed by such a seal. Without ``sealer`` the seals are compared
    with the chain but not authenticated (anyone who can write the database can make those)."""
    found = seals(conn)
    check = check_seals(sealer, found) if sealer is not None else None
    if check is not None and check.problem:
        return ChainReport(False, 0, check.first_bad_seq, check.problem, seals=check.as_dict())
    sealed: dict[int, set[str]] = {}
    for s in found:
        sealed.setdefault(s.seq, set()).add(s.hash)
    report = verify_chain(conn, anchor, sealed=sealed, must_be_sealed=MUST_BE_SEALED)
    if check is None or not report.ok:
        return report
    said = check.as_dict()
    if found and check.checked == 0:
        return replace(
            report,
            ok=False,
            problem=f"none of the {len(found)} seals is under a master key this key ring holds:"
            " a wrong key file, or BYLINE_MASTER_KEY",
            seals=said,
        )
    if report.last_must_be_sealed > check.sealed_to:
        seq = report.last_must_be_sealed
        return replace(
            report,
            ok=False,
            first_bad_seq=seq,
            problem=f"entry {seq} (a staff read of a name) is not covered by a seal: entries"
            " were rewritten after it, or its seal removed",
            seals=said,
        )
    return replace(report, seals=said)
