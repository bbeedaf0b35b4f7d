"""Policies through the API: activate one (audited), or try one in shadow (no effects)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import duckdb

from byline.engine import DIFF, evaluate
from byline.policy import parse_policy
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
        sample = (
            duckdb.connect()
            .execute(
                f"SELECT account_id, change, old_tier, new_tier FROM "
                f"read_parquet('{candidate_dir / DIFF}') ORDER BY change, account_id LIMIT 20"
            )
            .fetchall()
        )
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
        "sample": [
            {"account_id": a, "change": c, "old_tier": o, "new_tier": n} for a, c, o, n in sample
        ],
    }


def active_source_file(db: Database, platform: str) -> PolicyText:
    with db.reading() as conn:
        return active_source(conn, platform)
