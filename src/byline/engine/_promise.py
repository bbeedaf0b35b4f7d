"""The threshold promise, checked on what the engine wrote rather than assumed."""

from __future__ import annotations

from pathlib import Path

import duckdb

from byline.domain.policy import Policy


def floor_violations(decisions: Path, policy: Policy) -> int:
    """How many accounts a decisions file requires although they are below the policy's floor.

    The threshold promise says this is always 0; the demo and the tests check it on real output.
    """
    below = " OR ".join(f"{metric} < {value}" for metric, value in policy.floor.threshold.items())
    path = str(decisions).replace("'", "''")
    with duckdb.connect() as con:
        row = con.execute(
            f"SELECT count(*) FROM read_parquet('{path}') WHERE required AND ({below})"
        ).fetchone()
    return int(row[0]) if row else 0
