"""How a case is shown to staff and support: its facts, restrictions and history, never a name
or a name's id. ``as_dict`` is the JSON the front doors send (dates as ISO 8601 text)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from byline.domain.cases import Case, CaseState
from byline.domain.enforcement import ActiveRestriction, incentives_for, restrictions_for
from byline.domain.policy import Policy
from byline.domain.vocabulary import AccountKind


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True)
class HistoryEntry:
    """One audit entry of a case: what was done, by whom, the state it left (``detail``: the
    entry's facts, codes only)."""

    seq: int
    at: dt.datetime
    action: str
    actor: str
    state: str | None
    detail: Mapping[str, Any] | None

    @classmethod
    def of(cls, entry: Mapping[str, Any]) -> HistoryEntry:
        """From an audit row (``seq``, ``at``, ``action``, ``actor``, ``after``, ``detail``)."""
        return cls(
            seq=entry["seq"],
            at=entry["at"],
            action=entry["action"],
            actor=entry["actor"],
            state=(entry["after"] or {}).get("state"),
            detail=entry["detail"],
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at.isoformat(),
            "action": self.action,
            "actor": self.actor,
            "state": self.state,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class CaseView:
    """A case for display: no names, no name ids (``name_on_file``/``name_pending`` say
    whether there is one). ``history`` is there when one case is shown, not in lists."""

    case_id: str
    account_id: str
    policy: str  # "<policy id> <version>"
    state: CaseState
    tier: str | None
    voluntary: bool
    kind: AccountKind
    opened_at: dt.datetime
    notified_at: dt.datetime | None
    deadline: dt.datetime | None
    metrics: Mapping[str, int]
    observed_on: dt.date | None
    below_since: dt.date | None
    name_on_file: bool
    name_pending: bool
    flags: tuple[str, ...]
    restrictions: tuple[ActiveRestriction, ...]
    incentives: tuple[str, ...]
    closed_at: dt.datetime | None
    history: tuple[HistoryEntry, ...] | None = None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @classmethod
    def of(cls, case: Case, policy: Policy) -> CaseView:
        return cls(
            case_id=case.case_id,
            account_id=case.account_id,
            policy=f"{case.platform} {case.policy_version}",
            state=case.state,
            tier=case.tier,
            voluntary=case.voluntary,
            kind=case.kind,
            opened_at=case.opened_at,
            notified_at=case.notified_at,
            deadline=case.deadline,
            metrics=dict(case.metrics),
            observed_on=case.observed_on,
            below_since=case.below_since,
            name_on_file=case.name_id is not None,
            name_pending=case.pending_name_id is not None,
            flags=tuple(case.flags),
            restrictions=tuple(restrictions_for(case.penalised_for, case.lingering, policy)),
            incentives=tuple(incentives_for(case.state is CaseState.DISCLOSED, policy)),
            closed_at=case.closed_at,
        )

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "case_id": self.case_id,
            "account_id": self.account_id,
            "policy": self.policy,
            "state": self.state.value,
            "tier": self.tier,
            "voluntary": self.voluntary,
            "kind": self.kind.value,
            "opened_at": self.opened_at.isoformat(),
            "notified_at": _iso(self.notified_at),
            "deadline": _iso(self.deadline),
            "metrics": dict(self.metrics),
            "observed_on": _iso(self.observed_on),
            "below_since": _iso(self.below_since),
            "name_on_file": self.name_on_file,
            "name_pending": self.name_pending,
            "flags": list(self.flags),
            "restrictions": [r.as_dict() for r in self.restrictions],
            "incentives": list(self.incentives),
            "closed_at": _iso(self.closed_at),
        }
        if self.history is not None:
            out["history"] = [h.as_dict() for h in self.history]
        return out
