"""``_kept``: the small table everything written is computed from, the rejected rows with their
reasons and the accepted rows that meet some tier's threshold, decided."""

from __future__ import annotations

import datetime as dt

import duckdb

from byline.domain.policy import Policy
from byline.engine import _reasons as why
from byline.engine._compile import CompiledDecision, compile_decision
from byline.engine._duplicates import has_duplicates
from byline.engine._snapshot import Snapshot


def decide_interesting_rows(
    con: duckdb.DuckDBPyConnection, snapshot: Snapshot, policy: Policy, as_of: dt.date
) -> None:
    """``_kept``: rejected rows with their reasons, and decided rows that meet a threshold.

    The filter uses only the cheap ``_good`` test and the thresholds, so messages and decisions
    are worked out for the few rows kept, not for every row read.
    """
    decision = compile_decision(policy, as_of, owners=snapshot.owners)
    create_kept(con, snapshot.values_sql(), snapshot, decision, has_duplicates(con))


def create_kept(
    con: duckdb.DuckDBPyConnection,
    rows_sql: str,
    snapshot: Snapshot,
    decision: CompiledDecision,
    has_dups: bool,
) -> None:
    """``_kept`` from ``rows_sql`` (rows shaped as ``Snapshot.values_sql`` makes them)."""
    # Joined only when there are duplicates: the common case pays nothing for the check.
    dup_join = "LEFT JOIN _dups d ON d.dup_id = v.account_id" if has_dups else ""
    accepted = "v._good AND d.rows IS NULL" if has_dups else "v._good"
    shown = why.DUPLICATE_ROWS_SHOWN
    dup_problem = (
        f"CASE WHEN d.rows IS NOT NULL THEN '{why.DUPLICATE}' || "
        f"array_to_string(list_slice(d.rows, 1, {shown}), ', ') || "
        f"CASE WHEN len(d.rows) > {shown} THEN '{why.MORE_ROWS}' ELSE '' END || ')' END"
        if has_dups
        else "NULL"
    )
    columns = snapshot.carried
    metrics = "".join(f", {m}" for m in columns)
    # ``reported``: decided and meeting some tier's threshold. The other accepted rows are kept
    # only for an owner flag (``engine._owners``): below every tier, never in the decisions.
    con.execute(f"""
CREATE OR REPLACE TEMP TABLE _kept AS
SELECT _row, account_id, kind, category{metrics}, accepted,
       accepted AND coalesce({decision.met_any}, false) AS reported,
       CASE WHEN NOT accepted THEN reject_reason END AS reject_reason,
       CASE WHEN accepted THEN {decision.outcome} END AS outcome,
       CASE WHEN accepted THEN {decision.tier} END AS tier,
       CASE WHEN accepted THEN {decision.reasons} END AS reasons
FROM (
  SELECT v._row, v.account_id, v.kind, v.category{"".join(f", v.{m}" for m in columns)},
         {accepted} AS accepted,
         concat_ws('{why.SEPARATOR}', {dup_problem}, {snapshot.problems_sql()}) AS reject_reason
  FROM ({rows_sql}) v {dup_join}
  WHERE NOT ({accepted}) OR ({decision.keep})
)""")
