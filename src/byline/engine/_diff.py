"""What changed between two evaluations: newly required, no longer required, tier changed."""

from __future__ import annotations

from pathlib import Path

import duckdb

from byline.engine._sql import parquet_files
from byline.engine._summary import DiffCounts

CHANGES = ("newly_required", "no_longer_required", "tier_changed")


class DiffError(Exception):
    """The previous evaluation cannot be compared with this one."""


def write_diff(con: duckdb.DuckDBPyConnection, old: Path, new: Path, out: Path) -> DiffCounts:
    """Write ``out`` (one row per changed account) and return the count of each change."""
    if not old.exists():
        raise DiffError(f"{old}: no decisions file in the previous evaluation's folder")
    out_s = str(out).replace("'", "''")
    con.execute(f"""
CREATE OR REPLACE TEMP TABLE _diff AS
SELECT coalesce(n.account_id, o.account_id) AS account_id,
       CASE WHEN coalesce(n.required, false) AND NOT coalesce(o.required, false)
              THEN 'newly_required'
            WHEN coalesce(o.required, false) AND NOT coalesce(n.required, false)
              THEN 'no_longer_required'
            ELSE 'tier_changed' END AS change,
       o.tier AS old_tier, n.tier AS new_tier,
       coalesce(o.outcome, 'below_threshold') AS old_outcome,
       coalesce(n.outcome, 'below_threshold') AS new_outcome
FROM read_parquet({parquet_files(old)}) o
FULL OUTER JOIN read_parquet({parquet_files(new)}) n ON n.account_id = o.account_id
WHERE coalesce(n.required, false) <> coalesce(o.required, false)
   OR (n.required AND o.required AND n.tier IS DISTINCT FROM o.tier)""")
    con.execute(
        f"COPY (SELECT * FROM _diff ORDER BY change, account_id) TO '{out_s}' (FORMAT parquet)"
    )
    counts = dict(con.execute("SELECT change, count(*) FROM _diff GROUP BY 1").fetchall())
    return DiffCounts(**{c: int(counts.get(c, 0)) for c in CHANGES})
