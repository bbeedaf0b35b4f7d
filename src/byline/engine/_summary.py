"""What one evaluation counted: the typed summary, and the ``summary.json`` it is written as."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DiffCounts:
    """How many accounts changed since the previous evaluation, by kind of change."""

    newly_required: int = 0
    no_longer_required: int = 0
    tier_changed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "newly_required": self.newly_required,
            "no_longer_required": self.no_longer_required,
            "tier_changed": self.tier_changed,
        }


@dataclass(frozen=True)
class EvaluationSummary:
    """The counts of one evaluation. ``decided`` equals ``accepted`` (every accepted row is
    decided); ``reported`` counts accepted rows at or above some tier's threshold; ``diff`` is
    there when the run was compared with a previous one; ``flagged_owners`` counts the owners
    whose distinct audience reaches a tier while every account of theirs is below the floor
    (None when the snapshot names no owners); ``seconds`` times each step."""

    snapshot: str
    format: str
    policy_id: str
    policy_version: str
    as_of: dt.date
    read: int
    accepted: int
    rejected: int
    decided: int
    required: int
    reported: int
    by_outcome: Mapping[str, int]
    by_tier: Mapping[str, int]
    by_category: Mapping[str, Mapping[str, int]]
    rejected_by_field: Mapping[str, int]
    diff: DiffCounts | None = None
    flagged_owners: int | None = None
    seconds: Mapping[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The summary as ``summary.json`` holds it (``diff`` only when there is one)."""
        out: dict[str, Any] = {
            "snapshot": self.snapshot,
            "format": self.format,
            "policy_id": self.policy_id,
            "policy_version": self.policy_version,
            "as_of": self.as_of.isoformat(),
            "read": self.read,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "decided": self.decided,
            "required": self.required,
            "reported": self.reported,
            "by_outcome": dict(self.by_outcome),
            "by_tier": dict(self.by_tier),
            "by_category": {k: dict(v) for k, v in self.by_category.items()},
            "rejected_by_field": dict(self.rejected_by_field),
            "flagged_owners": self.flagged_owners,
            "seconds": dict(self.seconds),
        }
        if self.diff is not None:
            out["diff"] = self.diff.as_dict()
        return out

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EvaluationSummary:
        """A summary read back from ``summary.json`` (``KeyError`` when a count is missing)."""
        diff = data.get("diff")
        return cls(
            snapshot=str(data["snapshot"]),
            format=str(data["format"]),
            policy_id=str(data["policy_id"]),
            policy_version=str(data["policy_version"]),
            as_of=dt.date.fromisoformat(str(data["as_of"])),
            read=int(data["read"]),
            accepted=int(data["accepted"]),
            rejected=int(data["rejected"]),
            decided=int(data["decided"]),
            required=int(data["required"]),
            reported=int(data["reported"]),
            by_outcome=dict(data["by_outcome"]),
            by_tier=dict(data["by_tier"]),
            by_category={k: dict(v) for k, v in data["by_category"].items()},
            rejected_by_field=dict(data["rejected_by_field"]),
            diff=DiffCounts(**diff) if diff is not None else None,
            flagged_owners=data.get("flagged_owners"),
            seconds=dict(data.get("seconds", {})),
        )
