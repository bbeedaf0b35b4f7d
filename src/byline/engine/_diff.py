"""What changed between two evaluations: newly required, no longer required, tier changed."""

from __future__ import annotations

from pathlib import Path

import duckdb

from byline.engine._summary import DiffCounts

CHANGES = ("newly_required", "no_longer_required", "tier_changed")


class DiffError(Exception):
    """The previous evaluation cannot be compared with this one."""


def write_diff(con: duckdb.DuckDBPyConnection, old: Path, new: Path, out: Path) -> DiffCounts:
    """Write ``out`` (one row per changed account) and return the count of each change."""
    if not old.is_file():
        raise DiffError(f"{old}: no decisions file in the previous evaluation's folder")
    old_s, new_s, out_s = (str(p).replace("'", "''") for p in (old, new, out))
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
FROM read_parquet('{old_s}') o
FULL OUTER JOIN read_parquet('{new_s}') n ON n.account_id = o.account_id
WHERE coalesce(n.required, false) <> coalesce(o.required, false)
   OR (n.required AND o.required AND n.tier IS DISTINCT FROM o.tier)""")
    con.execute(
        f"COPY (SELECT * FROM _diff ORDER BY change, account_id) TO '{out_s}' (FORMAT parquet)"
    )
    counts = dict(con.execute("SELECT change, count(*) FROM _diff GROUP BY 1").fetchall())
    return DiffCounts(**{c: int(counts.get(c, 0)) for c in CHANGES})
