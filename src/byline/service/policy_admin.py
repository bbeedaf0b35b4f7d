"""Policies through the API: activate one (audited), or try one in shadow (no effects)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from byline.domain.policy import Policy
from byline.engine import diff_sample, evaluate
from byline.policy import parse_policy
from byline.service import limits
from byline.service._base import Service
from byline.service.dashboard import latest_cycle_snapshot, snapshot_in
from byline.service.policies import PolicyText, activate, active_policy, active_source
from byline.store import Database


def _for_platform(source: str, platform: str) -> Any:
    policy = parse_policy(source, "uploaded policy")
    if policy.id != platform:
        raise ValueError(f"uploaded policy has id {policy.id!r}; this platform is {platform!r}")
    return policy


def activate_source(
    db: Database, platform: str, source: str, *, actor: str, now: dt.datetime
) -> dict[str, Any]:
    policy = _for_platform(source, platform)
    with db.transaction() as conn:
        _, changed = activate(conn, PolicyText(source, "uploaded policy"), actor=actor, now=now)
    return {"id": policy.id, "version": policy.version, "changed": changed}


def shadow_evaluation(
    db: Database, platform: str, source: str, snapshot: Path, as_of: dt.date
) -> dict[str, Any]:
    """Evaluate the live and the candidate policy on one snapshot and compare. No effects."""
    candidate = _for_platform(source, platform)
    with db.reading() as conn:
        live = active_policy(conn, platform)
    with tempfile.TemporaryDirectory(prefix="byline-shadow-") as tmp:
        live_dir, candidate_dir = Path(tmp) / "live", Path(tmp) / "candidate"
        live_run = evaluate(snapshot, live, as_of, live_dir)
        shadow_run = evaluate(snapshot, candidate, as_of, candidate_dir, previous=live_dir)
        sample = diff_sample(candidate_dir)
    return {
        "live": {
            "version": live.version,
            "required": live_run.summary["required"],
            "by_tier": live_run.summary["by_tier"],
        },
        "candidate": {
            "version": candidate.version,
            "required": shadow_run.summary["required"],
            "by_tier": shadow_run.summary["by_tier"],
        },
        "diff": shadow_run.summary["diff"],
        "sample": sample,
    }


def active_source_file(db: Database, platform: str) -> PolicyText:
    with db.reading() as conn:
        return active_source(conn, platform)


LATEST_CYCLE = "@cycle"  # a shadow run's snapshot: the platform's latest cycle's


class Policies(Service):
    """A platform's policy: the one in force, a shadow run of a candidate against it on a
    snapshot of the platform's folder (no effects), and activation (audited)."""

    def source(self, platform: str) -> PolicyText:
        """The policy file in force."""
        return active_source_file(self.db, platform)

    def in_force(self, platform: str) -> Policy:
        with self.db.reading() as conn:
            return active_policy(conn, platform)

    def shadow(self, platform: str, source: str, snapshot: str, as_of: dt.date) -> dict[str, Any]:
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

    def activate(self, platform: str, source: str, *, actor: str) -> dict[str, Any]:
        """Put ``source`` in force for ``platform`` (audited; the same text again changes
        nothing)."""
        limits.check_policy_source(source)
        return activate_source(self.db, platform, source, actor=actor, now=self.clock())
