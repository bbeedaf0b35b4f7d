"""Reading cases and their enforcement signals, and erasing a holder's names (crypto-shredding,
with the label down in the same transaction)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from byline import cases
from byline.domain.cases import CaseState, NamesErased
from byline.domain.vocabulary import ErasureReason, coded
from byline.service._base import Actor
from byline.service._changes import labels_changed
from byline.service._desk import CaseDesk, vault_subject
from byline.service._views import CaseView
from byline.service.policies import active_policy, active_policy_ids


@dataclass(frozen=True)
class Enforcement:
    """The restrictions and incentives in force for an account, since when and why (all empty
    or None when nothing ever was). ``restrictions``: as the platform receives them
    (``restriction``, ``factor``, ``penalty_id``, ``trigger``); ``cursor``: the change that put
    them in force."""

    account_id: str
    restrictions: tuple[Mapping[str, Any], ...] = ()
    incentives: tuple[str, ...] = ()
    since: dt.datetime | None = None
    reason: str | None = None
    cursor: int | None = None
    case_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "account_id": self.account_id,
            "restrictions": list(self.restrictions),
            "incentives": list(self.incentives),
            "since": self.since.isoformat() if self.since is not None else None,
            "reason": self.reason,
            "cursor": self.cursor,
        }
        if self.cursor is not None:  # nothing in force was ever recorded: no case to name
            out["case_id"] = self.case_id
        return out


@dataclass(frozen=True)
class EnforcementChange:
    """One change of what is in force for an account; ``cursor`` orders the changes."""

    cursor: int
    at: dt.datetime
    account_id: str
    restrictions: tuple[Mapping[str, Any], ...]
    incentives: tuple[str, ...]
    reason: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "cursor": self.cursor,
            "at": self.at.isoformat(),
            "account_id": self.account_id,
            "restrictions": list(self.restrictions),
            "incentives": list(self.incentives),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class EnforcementChanges:
    """A page of changes, oldest first, and the cursor to resume after it."""

    changes: tuple[EnforcementChange, ...]
    next_cursor: int

    def as_dict(self) -> dict[str, Any]:
        return {"changes": [c.as_dict() for c in self.changes], "next_cursor": self.next_cursor}


class Cases(CaseDesk):
    """Cases as support staff and the platform read them; erasure."""

    def erase(
        self,
        platform: str,
        account_id: str,
        *,
        actor: Actor,
        reason: ErasureReason,
        at: dt.datetime | None = None,
    ) -> int:
        """Crypto-shred the holder's names; the label comes down in the same transaction."""
        now = at or self.clock()
        reason = coded(ErasureReason, reason)
        with self.db.transaction() as conn:
            case = cases.open_case(conn, platform, account_id, lock=True)
            erased = self.vault.erase(
                conn, vault_subject(platform, account_id), actor.name, now, reason
            )
            labels_changed(conn, platform)  # a shredded name is never served again, cached or not
            if case is not None:
                policy = active_policy(conn, case.platform)
                self._apply(conn, case, NamesErased(reason), policy, actor, now)
            return erased

    def list_cases(
        self, platform: str, state: CaseState | None = None, limit: int = 100, offset: int = 0
    ) -> list[CaseView]:
        with self.db.reading() as conn:
            policy = active_policy(conn, platform)
            return [
                CaseView.of(c, policy)
                for c in cases.list_cases(conn, platform, state, limit, offset)
            ]

    def funnel(self, platform: str) -> dict[CaseState, int]:
        """How many cases are in each state (every state, zero included), in the states' order."""
        with self.db.reading() as conn:
            counts = cases.state_counts(conn, platform)
        return {s: counts.get(s.value, 0) for s in CaseState}

    def enforcement(self, platform: str, account_id: str) -> Enforcement:
        """The restrictions and incentives in force for an account, since when and why."""
        with self.db.reading() as conn:
            row = cases.in_force(conn, platform, account_id)
        if row is None:
            return Enforcement(account_id)
        return Enforcement(
            account_id,
            tuple(row["restrictions"] or ()),
            tuple(row["incentives"] or ()),
            row["since"],
            row["reason"],
            row["cursor"],
            row["case_id"],
        )

    def enforcement_changes(
        self, platform: str, cursor: int = 0, limit: int = 1000
    ) -> EnforcementChanges:
        """Every enforcement change after ``cursor``, oldest first, and the cursor to resume."""
        with self.db.reading() as conn:
            rows = cases.changes_after(conn, platform, cursor, limit)
        changes = tuple(
            EnforcementChange(
                r["cursor"],
                r["at"],
                r["account_id"],
                tuple(r["restrictions"] or ()),
                tuple(r["incentives"] or ()),
                r["reason"],
            )
            for r in rows
        )
        return EnforcementChanges(changes, changes[-1].cursor if changes else cursor)

    def policies(self) -> list[str]:
        with self.db.reading() as conn:
            return active_policy_ids(conn)
