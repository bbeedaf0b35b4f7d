"""Policies through the API: activate one (audited), or try one in shadow (no effects)."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from byline.domain.policy import Policy
from byline.engine import DiffCounts, EvaluationSummary, diff_sample, evaluate
from byline.policy import parse_policy
from byline.service import limits
from byline.service._base import Service
from byline.service.dashboard import LATEST_CYCLE, latest_cycle_snapshot, snapshot_in
from byline.service.policies import PolicyText, activate, active_policy, active_source
from byline.store import Database


@dataclass(frozen=True)
class Activated:
    """A policy put in force (``changed``: False when the same text was in force already)."""

    id: str
    version: str
    changed: bool

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "version": self.version, "changed": self.changed}


@dataclass(frozen=True)
class ShadowSide:
    """One policy of a shadow run: its version, how many accounts it requires, per tier."""

    version: str
    required: int
    by_tier: Mapping[str, int]

    @classmethod
    def of(cls, version: str, summary: EvaluationSummary) -> ShadowSide:
        return cls(version, summary.required, dict(summary.by_tier))

    def as_dict(self) -> dict[str, Any]:
        return {"version": self.version, "required": self.required, "by_tier": dict(self.by_tier)}


@dataclass(frozen=True)
class ShadowChange:
    """One account whose obligation the candidate would change (``change``: newly_required,
    no_longer_required or tier_changed)."""

    account_id: str
    change: str
    old_tier: str | None
    new_tier: str | None


@dataclass(frozen=True)
class ShadowComparison:
    """The live and the candidate policy on one snapshot: their counts, how many accounts
    would change, and a sample of those (at most 20, by change then account)."""

    live: ShadowSide
    candidate: ShadowSide
    diff: DiffCounts
    sample: tuple[ShadowChange, ...]

    def tier_rows(self) -> list[tuple[str, int, int]]:
        """(tier id, live count, candidate count) for every tier either policy has."""
        live, candidate = self.live.by_tier, self.candidate.by_tier
        tiers = list(live) + [t for t in candidate if t not in live]
        return [(t, int(live.get(t, 0)), int(candidate.get(t, 0))) for t in tiers]

    def as_dict(self) -> dict[str, Any]:
        return {
            "live": self.live.as_dict(),
            "candidate": self.candidate.as_dict(),
            "diff": self.diff.as_dict(),
            "sample": [
                {
                    "account_id": c.account_id,
                    "change": c.change,
                    "old_tier": c.old_tier,
                    "new_tier": c.new_tier,
                }
                for c in self.sample
            ],
        }


def _for_platform(source: str, platform: str) -> Policy:
    policy = parse_policy(source, "uploaded policy")
    if policy.id != platform:
        raise ValueError(f"uploaded policy has id {policy.id!r}; this platform is {platform!r}")
    return policy


def activate_source(
    db: Database,
    platform: str,
    source: str,
    *,
    actor: str,
    now: dt.datetime,
    request_id: str | None = None,
) -> Activated:
    policy = _for_platform(source, platform)
    with db.transaction() as conn:
        _, changed = activate(
            conn,
            PolicyText(source, "uploaded policy"),
            actor=actor,
            now=now,
            request_id=request_id,
        )
    return Activated(policy.id, policy.version, changed)


def shadow_evaluation(
    db: Database, platform: str, source: str, snapshot: Path, as_of: dt.date
) -> ShadowComparison:
    """Evaluate the live and the candidate policy on one snapshot and compare. No effects."""
    candidate = _for_platform(source, platform)
    with db.reading() as conn:
        live = active_policy(conn, platform)
    with tempfile.TemporaryDirectory(prefix="byline-shadow-") as tmp:
        live_dir, candidate_dir = Path(tmp) / "live", Path(tmp) / "candidate"
        live_run = evaluate(snapshot, live, as_of, live_dir)
        shadow_run = evaluate(snapshot, candidate, as_of, candidate_dir, previous=live_dir)
        sample = diff_sample(candidate_dir)
    return ShadowComparison(
        live=ShadowSide.of(live.version, live_run.summary),
        candidate=ShadowSide.of(candidate.version, shadow_run.summary),
        diff=shadow_run.summary.diff or DiffCounts(),
        sample=tuple(ShadowChange(**row) for row in sample),
    )


def active_source_file(db: Database, platform: str) -> PolicyText:
    with db.reading() as conn:
        return active_source(conn, platform)


class Policies(Service):
    """A platform's policy: the one in force, a shadow run of a candidate against it on a
    snapshot of the platform's folder (no effects), and activation (audited)."""

    def source(self, platform: str) -> PolicyText:
        """The policy file in force."""
        return active_source_file(self.db, platform)

    def in_force(self, platform: str) -> Policy:
        with self.db.reading() as conn:
            return active_policy(conn, platform)

    def shadow(self, platform: str, source: str, snapshot: str, as_of: dt.date) -> ShadowComparison:
        """Evaluate the live and the candidate policy on ``snapshot`` (a file in the platform's
        own snapshot folder, or ``LATEST_CYCLE``) and compare."""
        limits.check_policy_source(source)
        return shadow_evaluation(
            self.db, platform, source, self._snapshot(platform, snapshot), as_of
        )

    def _snapshot(self, platform: str, snapshot: str) -> Path:
        """``LATEST_CYCLE``: the snapshot of the platform's latest finished cycle; else a file
        of the platform's own folder (``ValueError`` for anything else)."""
        if snapshot == LATEST_CYCLE:
            cycle = latest_cycle_snapshot(self.db, platform)
            if cycle is None:
                raise ValueError("snapshot: no finished cycle's snapshot is on this server")
            return cycle.path
        return snapshot_in(self.deps.snapshot_dir, platform, snapshot)

    def activate(
        self, platform: str, source: str, *, actor: str, request_id: str | None = None
    ) -> Activated:
        """Put ``source`` in force for ``platform`` (audited; the same text again changes
        nothing)."""
        limits.check_policy_source(source)
        return activate_source(
            self.db, platform, source, actor=actor, now=self.clock(), request_id=request_id
        )
