"""The threshold promise, checked on what the engine wrote rather than assumed."""

from __future__ import annotations

from pathlib import Path

import duckdb

from byline.domain.policy import Policy
from byline.engine._compile import judged
from byline.engine._sql import parquet_files


def floor_violations(decisions: Path, policy: Policy) -> int:
    """How many accounts a decisions file requires although they are below the policy's floor.

    The threshold promise says this is always 0; the demo and the tests check it on real output.
    It holds on the metric the policy judges by: an account's own, or under ``judge = "owner"``
    a linked account's owner's (the decisions file then carries ``owner_ref`` and the owner
    metrics), so an account below the floor on both is never required.
    """
    value = judged(policy, owners=policy.judges_owners)
    below = " OR ".join(f"{value[m]} < {v}" for m, v in policy.floor.threshold.items())
    with duckdb.connect() as con:
        row = con.execute(
            f"SELECT count(*) FROM read_parquet({parquet_files(decisions)}) "
            f"WHERE required AND ({below})"
        ).fetchone()
    return int(row[0]) if row else 0
