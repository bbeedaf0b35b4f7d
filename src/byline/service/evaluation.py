"""Evaluate a snapshot under a policy (a preset name or a file)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from byline.engine import EngineSettings, Evaluation, Progress, evaluate
from byline.policy import load_policy


def evaluate_snapshot(
    snapshot: Path,
    policy: str | Path,
    as_of: dt.date,
    out_dir: Path,
    *,
    previous: Path | None = None,
    fmt: str | None = None,
    progress: Progress | None = None,
    settings: EngineSettings | None = None,
) -> Evaluation:
    """Load the policy, decide every account, write the outputs into ``out_dir``."""
    return evaluate(
        snapshot,
        load_policy(policy),
        as_of,
        out_dir,
        previous=previous,
        fmt=fmt,
        progress=progress,
        settings=settings,
    )
