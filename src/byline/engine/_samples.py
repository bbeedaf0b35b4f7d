"""Small reads and rewrites of snapshots and outputs that are not a decision: a sample of a
shadow run's diff, the demo's drifting weeks, accounts in a band of a count."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from byline.engine._outputs import DIFF
from byline.engine._sql import parquet_files


def diff_sample(outputs: Path, limit: int = 20) -> list[dict[str, Any]]:
    """The first ``limit`` rows of the diff in ``outputs`` (by change, then account):
    ``account_id``, ``change``, ``old_tier``, ``new_tier``."""
    con = duckdb.connect()
    try:
        rows = con.execute(
            "SELECT account_id, change, old_tier, new_tier "
            f"FROM read_parquet({parquet_files(outputs / DIFF)}) "
            "ORDER BY change, account_id LIMIT ?",
            [limit],
        ).fetchall()
    finally:
        con.close()
    return [{"account_id": a, "change": c, "old_tier": o, "new_tier": n} for a, c, o, n in rows]


def drifted_snapshot(base: Path, out: Path, week: int, purged: dict[str, int], metric: str) -> Path:
    """``base`` as it might read ``week`` weeks on: ``metric`` drifts (some accounts grow, some
    shrink, by a hash of their id), and ``purged`` accounts have the value given. Parquet."""
    out.parent.mkdir(parents=True, exist_ok=True)
    column = _identifier(metric)
    con = duckdb.connect()
    try:
        con.execute("CREATE TEMP TABLE purged (account_id VARCHAR, value BIGINT)")
        if purged:
            con.executemany("INSERT INTO purged VALUES (?, ?)", list(purged.items()))
        growth = f"(1 + {int(week)} * 0.012 * ((hash(account_id) % 7)::DOUBLE - 2.5) / 2.5)"
        value = f"greatest(0, {column} * {growth})"
        con.execute(f"""
COPY (SELECT * EXCLUDE (value) REPLACE (CAST(coalesce(value, {value}) AS BIGINT) AS {column})
      FROM read_parquet('{_literal(base)}') LEFT JOIN purged USING (account_id))
TO '{_literal(out)}' (FORMAT parquet)""")
    finally:
        con.close()
    return out


def accounts_between(
    snapshot: Path, metric: str, low: int, high: int, count: int
) -> list[tuple[str, str]]:
    """Up to ``count`` (account id, kind) of ``snapshot`` with ``metric`` in [low, high], in an
    order fixed by a hash of the id."""
    con = duckdb.connect()
    try:
        rows = con.execute(
            f"SELECT account_id, kind FROM read_parquet(?) WHERE {_identifier(metric)} "
            "BETWEEN ? AND ? ORDER BY hash(account_id) LIMIT ?",
            [str(snapshot), low, high, count],
        ).fetchall()
    finally:
        con.close()
    return [(str(a), str(k)) for a, k in rows]


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(path: Path) -> str:
    return str(path).replace("'", "''")
