"""Reading a few accounts back: the required accounts of an evaluation, and the current counts
of given accounts in a snapshot (for cases whose accounts fell below every threshold).

Under ``judge = "owner"`` a linked account's metrics also carry its owner's (``owner_followers``),
so that its case is held to the floor on what it was judged by (``domain.cases``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from byline.domain.policy import Policy
from byline.engine._outputs import DECISIONS
from byline.engine._settings import connect
from byline.engine._snapshot import open_snapshot
from byline.engine._sql import parquet_files


@dataclass(frozen=True)
class Reported:
    """One reported account of an evaluation."""

    account_id: str
    kind: str
    category: str
    outcome: str
    tier: str | None
    metrics: dict[str, int]


def reported_accounts(out_dir: Path, policy: Policy) -> list[Reported]:
    """Every account of an evaluation's decisions file (all at or above a threshold)."""
    names = _carried(policy)
    metrics = ", ".join(_owner_sql(policy, m) for m in names)
    con = connect()
    try:
        rows = con.execute(
            f"SELECT account_id, kind, category, outcome, tier, {metrics} "
            f"FROM read_parquet({parquet_files(out_dir / DECISIONS)}) ORDER BY account_id"
        ).fetchall()
    finally:
        con.close()
    return [Reported(r[0], r[1], r[2], r[3], r[4], _metrics(names, r[5:])) for r in rows]


def _carried(policy: Policy) -> tuple[str, ...]:
    """The metrics a case carries: the policy's, and under ``judge = "owner"`` the owner's."""
    if not policy.judges_owners:
        return policy.metrics
    return (*policy.metrics, *(m for m in policy.owner_metrics if m not in policy.metrics))


def _owner_sql(policy: Policy, metric: str, rows: str = "") -> str:
    """A column as read back (of ``rows``, an alias): an owner metric only for a linked
    account (else NULL)."""
    if metric in policy.metrics:
        return f"{rows}{metric}"
    return f"CASE WHEN {rows}owner_ref IS NOT NULL THEN {rows}{metric} END AS {metric}"


def _metrics(names: tuple[str, ...], values: tuple[object, ...]) -> dict[str, int]:
    return {m: int(v) for m, v in zip(names, values, strict=True) if isinstance(v, int)}


def current_metrics(
    snapshot_path: Path, policy: Policy, account_ids: Iterable[str]
) -> dict[str, dict[str, int]]:
    """The counts of ``account_ids`` in the snapshot (valid rows only; absent ids are absent)."""
    wanted = pa.table({"wanted_id": pa.array(sorted(set(account_ids)), pa.string())})
    if wanted.num_rows == 0:
        return {}
    con = connect()
    try:
        names = _carried(policy)
        owner = names[len(policy.metrics) :]
        snapshot = open_snapshot(
            con, snapshot_path, policy.metrics, None, ("owner_ref",) if owner else (), owner, True
        )
        con.register("_wanted", wanted)
        metrics = ", ".join(_owner_sql(policy, m, "v.") for m in names)
        rows = con.execute(
            f"SELECT v.account_id, {metrics} FROM ({snapshot.values_sql()}) v "
            "JOIN _wanted w ON w.wanted_id = v.account_id WHERE v._good"
        ).fetchall()
    finally:
        con.close()
    found: dict[str, dict[str, int]] = {}
    for row in rows:
        # a duplicated id is ambiguous: keep neither (the evaluation rejected both)
        if row[0] in found:
            found[row[0]] = {}
        else:
            found[row[0]] = _metrics(names, row[1:])
    return {k: v for k, v in found.items() if v}
