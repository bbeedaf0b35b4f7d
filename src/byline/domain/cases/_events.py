"""The events a case is moved by: a cycle's, the holder's, a reviewer's and the sweeper's.

Reasons are codes from the vocabulary's closed lists, never free text; ``note_id`` points at
words kept beside the code in the vault (encrypted, read only through an audited reveal).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from byline.domain.vocabulary import (
    AccountKind,
    AppealDecisionReason,
    AppealReason,
    ErasureReason,
    RefusalReason,
    RejectionReason,
    WithdrawalReason,
)


@dataclass(frozen=True)
class Open:
    """A cycle found the account required: open its case."""

    case_id: str
    account_id: str
    kind: AccountKind
    tier: str
    metrics: Mapping[str, int]
    observed_on: dt.date
    cycle_id: str | None = None


@dataclass(frozen=True)
class Notify:
    cycle_id: str


@dataclass(frozen=True)
class Submit:
    name_id: str
    consent: bool


@dataclass(frozen=True)
class Approve:
    by: str
    method: str = "reviewer"


@dataclass(frozen=True)
class Reject:
    by: str
    reason: RejectionReason
    note_id: str | None = None


@dataclass(frozen=True)
class Refuse:
    reason: RefusalReason | None = None  # None: the holder gave no reason
    note_id: str | None = None


@dataclass(frozen=True)
class Appeal:
    reason: AppealReason
    note_id: str | None = None


@dataclass(frozen=True)
class DecideAppeal:
    upheld: bool
    by: str
    reason: AppealDecisionReason
    note_id: str | None = None


@dataclass(frozen=True)
class Volunteer:
    case_id: str
    account_id: str
    kind: AccountKind
    name_id: str
    metrics: Mapping[str, int]
    consent: bool = True


@dataclass(frozen=True)
class Withdraw:
    reason: WithdrawalReason | None = None  # None: the holder gave no reason
    note_id: str | None = None


@dataclass(frozen=True)
class NamesErased:
    """The holder's names were erased from the vault (crypto-shredding)."""

    reason: ErasureReason


@dataclass(frozen=True)
class Observe:
    """A cycle's reading of the account: its counts and whether the policy requires it."""

    metrics: Mapping[str, int]
    on: dt.date
    required: bool
    tier: str | None


@dataclass(frozen=True)
class Sweep:
    """The deadline sweeper looks at the case."""


Event = (
    Open
    | Notify
    | Submit
    | Approve
    | Reject
    | Refuse
    | Appeal
    | DecideAppeal
    | Volunteer
    | Withdraw
    | NamesErased
    | Observe
    | Sweep
)
