"""The case record and its states: what the state machine moves, and the error it refuses with."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from byline.domain.errors import CodedError
from byline.domain.vocabulary import AccountKind, Trigger


class CaseState(StrEnum):
    REQUIRED = "required"  # the policy requires disclosure; notice not yet sent
    NOTIFIED = "notified"  # notice sent; deadline running
    SUBMITTED = "submitted"  # holder consented and submitted a name; awaiting verification
    REJECTED = "rejected"  # submission rejected with a reason; may submit again
    VERIFIED = "verified"  # name verified but not shown (verify-only tier, or below the floor)
    DISCLOSED = "disclosed"  # label live
    OVERDUE = "overdue"  # deadline passed: penalties apply
    REFUSED = "refused"  # holder declined: penalties apply
    APPEALED = "appealed"  # holder contests; deadline paused
    EXEMPTED = "exempted"  # appeal upheld: obligation withdrawn
    RELEASED = "released"  # closed: no longer qualifies
    WITHDRAWN = "withdrawn"  # closed: a voluntary disclosure withdrawn


CLOSED_STATES = frozenset({CaseState.RELEASED, CaseState.WITHDRAWN})


class TransitionError(CodedError, ValueError):
    """An event that is not allowed in the case's state; the message says why, the code which."""


@dataclass(frozen=True)
class Case:
    case_id: str
    account_id: str
    platform: str  # the platform (a tenant) whose policy the case is under
    policy_version: str
    kind: AccountKind
    state: CaseState
    tier: str | None
    voluntary: bool
    opened_at: dt.datetime
    metrics: Mapping[str, int]
    observed_on: dt.date | None = None
    notified_at: dt.datetime | None = None
    notified_cycle: str | None = None
    deadline: dt.datetime | None = None
    paused_remaining: dt.timedelta | None = None
    appeal_from: CaseState | None = None
    below_since: dt.date | None = None
    name_id: str | None = None  # the verified name in force
    pending_name_id: str | None = None  # a submitted name awaiting verification
    penalised_for: Trigger | None = None
    lingering: tuple[str, ...] = ()  # penalty ids that outlast compliance
    flags: tuple[str, ...] = ()
    closed_at: dt.datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.state not in CLOSED_STATES

    def summary(self) -> dict[str, Any]:
        """The case without personal data: what audit entries record as before/after."""
        return {
            "state": self.state.value,
            "tier": self.tier,
            "voluntary": self.voluntary,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "penalised_for": self.penalised_for.value if self.penalised_for else None,
            "lingering": list(self.lingering),
            "name_on_file": self.name_id is not None,
            "name_pending": self.pending_name_id is not None,
        }
