"""Identity verification by a provider instead of a reviewer.

``IdentityVerifier`` is the small interface a real provider (a government ID check, a bank
check) plugs into; ``RegistryVerifier`` is the honest in-package fake: it checks names against
a registry it is given, the way a provider checks them against its records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from byline import cases
from byline.domain.cases import Case
from byline.domain.vocabulary import RejectionReason, StaffReadReason
from byline.service._sealing import seal_and_send
from byline.service.programme import Actor, NoCase, Programme


@dataclass(frozen=True)
class VerificationResult:
    matched: bool
    reference: str  # the provider's reference for this check
    reason: RejectionReason | None = None  # why it did not match: a code
    document_number: str | None = None  # kept by the vault only as a keyed hash


class IdentityVerifier(Protocol):
    name: str

    def verify(self, account_id: str, name: str) -> VerificationResult: ...


class RegistryVerifier:
    """Matches the submitted name against a registry of account -> (legal name, ID number)."""

    name = "registry"

    def __init__(self, registry: Mapping[str, tuple[str, str]]) -> None:
        self._registry = dict(registry)
        self._checks = 0

    def verify(self, account_id: str, name: str) -> VerificationResult:
        self._checks += 1
        reference = f"{self.name}-{self._checks:06d}"
        record = self._registry.get(account_id)
        if record is None:
            return VerificationResult(False, reference, RejectionReason.NO_IDENTITY_RECORD)
        legal_name, document_number = record
        if " ".join(name.split()) != " ".join(legal_name.split()):
            return VerificationResult(False, reference, RejectionReason.NAME_MISMATCH)
        return VerificationResult(True, reference, document_number=document_number)

    def __repr__(self) -> str:
        return f"RegistryVerifier(records={len(self._registry)})"


def verify_with_provider(
    programme: Programme,
    platform: str,
    account_id: str,
    verifier: IdentityVerifier,
    *,
    at: dt.datetime | None = None,
) -> Case:
    """Send the submitted name to ``verifier``; approve or reject the case on its answer.

    The decryption for the provider is audited like a staff read (actor ``idp:<name>``).
    """
    now = at or programme.clock()
    actor = Actor(f"idp:{verifier.name}")
    with programme.db.transaction() as conn:
        case = cases.open_case(conn, platform, account_id, lock=True)
        if case is None or case.pending_name_id is None:
            raise NoCase(f"account {account_id} has no name waiting for verification")
        name = programme.vault.reveal_for_staff(
            conn,
            case.pending_name_id,
            actor=actor.name,
            reason=StaffReadReason.IDENTITY_CHECK,
            at=now,
        )
        seal_and_send(conn, programme.vault.sealer, platform, now, "name_read")
    result = verifier.verify(account_id, name)
    del name
    if result.matched:
        return programme.approve(
            platform,
            account_id,
            actor=actor,
            method=f"idp:{verifier.name}",
            reference=result.reference,
            at=now,
            document_number=result.document_number,
        )
    reason = result.reason or RejectionReason.OTHER
    return programme.reject(platform, account_id, reason, actor=actor, at=now)
