"""Reading cases and their enforcement signals, and erasing a holder's names (crypto-shredding,
with the label down in the same transaction)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from byline import cases
from byline.domain.cases import CaseState, NamesErased
from byline.domain.vocabulary import ErasureReason, coded
from byline.service._base import Actor
from byline.service._changes import labels_changed
from byline.service._desk import CaseDesk, case_view, vault_subject
from byline.service.policies import active_policy, active_policy_ids


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
    ) -> list[dict[str, Any]]:
        with self.db.reading() as conn:
            policy = active_policy(conn, platform)
            return [
                case_view(c, policy) for c in cases.list_cases(conn, platform, state, limit, offset)
            ]

    def funnel(self, platform: str) -> dict[str, int]:
        with self.db.reading() as conn:
            counts = cases.state_counts(conn, platform)
        return {s.value: counts.get(s.value, 0) for s in CaseState}

    def enforcement(self, platform: str, account_id: str) -> dict[str, Any]:
        """The restrictions and incentives in force for an account, since when and why."""
        with self.db.reading() as conn:
            row = cases.in_force(conn, platform, account_id)
        if row is None:
            return {
                "account_id": account_id,
                "restrictions": [],
                "incentives": [],
                "since": None,
                "reason": None,
                "cursor": None,
            }
        return {"account_id": account_id, **row, "since": row["since"].isoformat()}

    def enforcement_changes(
        self, platform: str, cursor: int = 0, limit: int = 1000
    ) -> dict[str, Any]:
        """Every enforcement change after ``cursor``, oldest first, and the cursor to resume."""
        with self.db.reading() as conn:
            rows = cases.changes_after(conn, platform, cursor, limit)
        changes = [{**r, "at": r["at"].isoformat()} for r in rows]
        return {"changes": changes, "next_cursor": rows[-1]["cursor"] if rows else cursor}

    def policies(self) -> list[str]:
        with self.db.reading() as conn:
            return active_policy_ids(conn)
