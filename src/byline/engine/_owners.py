"""Owners flagged for the compliance lead: an audience that reaches a tier across accounts that
are each below the floor, the split ("matrix" accounts) that keeps every one of them under it.

Flagged under any policy; obliged only where the policy says ``judge = "owner"``. Computed from
``_kept``, which holds every good row of an owner whose audience meets some tier
(``CompiledDecision.keep``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from byline.domain.policy import Policy
from byline.domain.vocabulary import Outcome
from byline.engine._compile import compile_decision
from byline.engine._outputs import writing
from byline.engine._settings import connect
from byline.engine._snapshot import Snapshot
from byline.engine._sql import parquet_files, sql_path

FLAGGED = "flagged_owners.parquet"


def flag_owners(
    con: duckdb.DuckDBPyConnection,
    snapshot: Snapshot,
    policy: Policy,
    as_of: dt.date,
    out_dir: Path,
    stage: Callable[[str], Path],
) -> int | None:
    """Write ``FLAGGED``: ``owner_ref``, ``accounts``, ``required`` (of them, obliged), the
    owner's metrics (``owner_followers``) and ``tier`` (the first, in priority order, its
    audience meets), one row per owner flagged; how many. None, and nothing written, when the
    snapshot has no ``owner_ref`` and owner metrics to judge owners by."""
    if not snapshot.owners:
        return None
    decision = compile_decision(policy, as_of, owners=True)
    owner = policy.owner_metrics
    values = ", ".join(f"max({m}) AS {m}" for m in owner)
    con.execute(f"""
CREATE OR REPLACE TEMP TABLE _flagged AS
SELECT owner_ref, accounts, required, {", ".join(owner)}, {decision.owner_tier} AS tier
FROM (
  SELECT owner_ref, count(*) AS accounts,
         count_if(outcome = '{Outcome.REQUIRED.value}')::BIGINT AS required, {values},
         bool_and(NOT ({decision.own_floor})) AS all_below
  FROM _kept WHERE accepted AND owner_ref IS NOT NULL GROUP BY owner_ref
)
WHERE all_below AND {decision.owner_tier} IS NOT NULL""")
    with writing(out_dir / FLAGGED):
        con.execute(
            f"COPY (SELECT * FROM _flagged ORDER BY owner_ref) TO "
            f"'{sql_path(stage(FLAGGED))}' (FORMAT parquet, COMPRESSION zstd)"
        )
    row = con.execute("SELECT count(*) FROM _flagged").fetchone()
    return int(row[0]) if row else 0


@dataclass(frozen=True)
class FlaggedOwner:
    """One flagged owner, as ``FLAGGED`` holds it: its accounts (how many, how many obliged),
    its audience (``owner_followers``, ... as the policy names them) and the tier it reaches.
    An owner is a reference; nothing here names a person."""

    owner_ref: str
    accounts: int
    required: int
    metrics: dict[str, int]
    tier: str

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FlaggedOwner:
        """One row as ``dataclasses.asdict`` wrote it (a cycle's stored summary)."""
        return cls(
            str(data["owner_ref"]),
            int(data["accounts"]),
            int(data.get("required", 0)),
            {str(k): int(v) for k, v in dict(data.get("metrics") or {}).items()},
            str(data["tier"]),
        )


def flagged_owners(out_dir: Path, policy: Policy, limit: int) -> list[FlaggedOwner]:
    """The first ``limit`` owners of an evaluation's ``FLAGGED`` (none when it wrote none),
    the largest audience first (on the policy's first owner metric; ties by ``owner_ref``)."""
    path = out_dir / FLAGGED
    if not path.exists() or limit <= 0:
        return []
    owner = policy.owner_metrics
    columns = ", ".join(owner)
    con = connect()
    try:
        rows = con.execute(
            f"SELECT owner_ref, accounts, required, tier, {columns} "
            f"FROM read_parquet({parquet_files(path)}) "
            f"ORDER BY {owner[0]} DESC NULLS LAST, owner_ref LIMIT {int(limit)}"
        ).fetchall()
    finally:
        con.close()
    return [
        FlaggedOwner(
            str(r[0]),
            int(r[1]),
            int(r[2]),
            {m: int(v) for m, v in zip(owner, r[4:], strict=True) if v is not None},
            str(r[3]),
        )
        for r in rows
    ]
