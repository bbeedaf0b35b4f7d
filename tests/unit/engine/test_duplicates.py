"""Every way of finding duplicated ids (by the ids' order, in Arrow or in DuckDB; by hashing)
gives the same answer.

The order's proof is made on the ids read, so a file whose ids are out of order, repeat, go
missing, or whose statistics lie, still gets every duplicate rejected exactly as hashing
rejects it.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from byline.engine import SUMMARY, EngineSettings, _ids, evaluate
from byline.policy import load_policy

WEIBO = load_policy("weibo")
AS_OF = dt.date(2023, 12, 25)
KINDS = ["individual", "organization", "robot"]
CATEGORIES = ["finance", "daily_life", "gossip"]


def write_parquet(path: Path, ids: list[str | None], row_group_size: int, stats: bool) -> Path:
    n = len(ids)
    table = pa.table(
        {
            "account_id": pa.array(ids, pa.string()),
            "kind": pa.array([KINDS[i % 7 % 3] if i % 7 < 3 else KINDS[0] for i in range(n)]),
            "category": pa.array([CATEGORIES[i % 5 % 3] for i in range(n)]),
            "followers": pa.array([(i * 379_001) % 1_400_000 for i in range(n)], pa.int64()),
        }
    )
    pq.write_table(table, path, row_group_size=max(1, row_group_size), write_statistics=stats)
    return path


def write_text(path: Path, ids: list[str | None]) -> Path:
    """The rows ``write_parquet`` writes, as CSV or JSONL (a missing id: an empty field)."""
    table = pq.read_table(write_parquet(path.with_suffix(".parquet"), ids, len(ids), True))
    rows = table.to_pylist()
    if path.suffix == ".csv":
        path.write_text(
            "account_id,kind,category,followers\n"
            + "".join(
                f"{r['account_id'] or ''},{r['kind']},{r['category']},{r['followers']}\n"
                for r in rows
            )
        )
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def outputs(snapshot: Path, out: Path, engine: EngineSettings) -> tuple[Any, ...]:
    """Everything an evaluation writes, less its timings."""
    result = evaluate(snapshot, WEIBO, AS_OF, out, settings=engine)
    decisions = duckdb.sql(
        f"SELECT * EXCLUDE (as_of) FROM read_parquet('{out / 'decisions.parquet'}') ORDER BY 1"
    ).fetchall()
    rejects_file = out / "rejects.csv"
    rejects = []
    if rejects_file.exists():
        with rejects_file.open() as f:
            rejects = list(csv.reader(f))
    summary = json.loads((out / SUMMARY).read_text())
    summary.pop("seconds")
    return decisions, rejects, summary, sorted(result.timings)


@st.composite
def snapshots(draw: st.DrawFn) -> tuple[list[str | None], int, int, bool]:
    """Ids that mostly ascend, as exports do, with what breaks the order drawn in."""
    n = draw(st.integers(1, 60))
    ids: list[str | None] = [f"id-{i * 3:05d}" for i in range(n)]
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["repeat", "swap", "missing", "empty", "shuffle"]))
        i, j = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        if kind == "repeat":
            ids[i] = ids[j]
        elif kind == "swap":
            ids[i], ids[j] = ids[j], ids[i]
        elif kind == "missing":
            ids[i] = None
        elif kind == "empty":
            ids[i] = ""
        else:
            ids = draw(st.permutations(ids))
    return ids, draw(st.integers(1, n + 1)), draw(st.integers(1, 4)), draw(st.booleans())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(snapshots(), st.integers(1, 9))
def test_order_and_hashing_find_the_same_duplicates(
    case: tuple[list[str | None], int, int, bool], batch_rows: int
) -> None:
    ids, row_group_size, threads, stats = case
    # Arrow reads the ids in batches of ``batch_rows``: the order is checked across batches too.
    with tempfile.TemporaryDirectory() as tmp, mock.patch.object(_ids, "BATCH_ROWS", batch_rows):
        snapshot = write_parquet(Path(tmp) / "s.parquet", ids, row_group_size, stats)
        by_hash = outputs(
            snapshot, Path(tmp) / "hash", EngineSettings(threads=threads, duplicates="hash")
        )
        for check in ("order", "auto"):
            got = outputs(
                snapshot, Path(tmp) / check, EngineSettings(threads=threads, duplicates=check)
            )  # type: ignore[arg-type]
            assert got[:3] == by_hash[:3], (check, ids, row_group_size, threads)
    present = [i for i in ids if i]
    repeated = len(present) != len(set(present))
    assert by_hash[2]["rejected"] >= (2 if repeated else 0)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=snapshots())
def test_text_formats_too(suffix: str, case: tuple[list[str | None], int, int, bool]) -> None:
    ids, _, threads, _ = case
    with tempfile.TemporaryDirectory() as tmp:
        snapshot = write_text(Path(tmp) / f"s{suffix}", ids)
        by_hash = outputs(
            snapshot, Path(tmp) / "hash", EngineSettings(threads=threads, duplicates="hash")
        )
        got = outputs(snapshot, Path(tmp) / "auto", EngineSettings(threads=threads))
        assert got[:3] == by_hash[:3], (suffix, ids, threads)
        present = [i for i in ids if i]
        if present == sorted(set(present)) and len(present) == len(ids):
            assert "duplicates" not in got[3]  # ascending: proved by the scan that decided


def test_ascending_ids_are_proved_unique_by_the_scan_that_decides(tmp_path: Path) -> None:
    ids: list[str | None] = [f"u{i:06d}" for i in range(5_000)]
    snapshot = write_parquet(tmp_path / "s.parquet", ids, 400, stats=True)
    decisions, rejects, summary, steps = outputs(
        snapshot, tmp_path / "out", EngineSettings(threads=3)
    )
    assert steps == ["count", "decide", "write"]  # no hashing pass
    assert summary["read"] == 5_000 and summary["accepted"] + summary["rejected"] == 5_000
    assert len(decisions) == summary["reported"] > 0
    assert summary["rejected"] == len(rejects) - 1  # bad kinds and categories only
    assert not [r for r in rejects[1:] if "account_id" in r[2]]


def test_a_repeat_where_two_runs_join_is_found(tmp_path: Path) -> None:
    """Runs are scanned by separate streams; the id where they join is compared too."""
    ids: list[str | None] = [f"u{i:04d}" for i in range(0, 200)]
    ids[100] = ids[99]  # row groups of 50 rows: rows 100 and 101 straddle runs of 100
    snapshot = write_parquet(tmp_path / "s.parquet", ids, 50, stats=False)
    _, rejects, summary, steps = outputs(
        snapshot, tmp_path / "out", EngineSettings(threads=2, duplicates="order")
    )
    assert "duplicates" in steps
    assert [r[:2] for r in rejects[1:] if "account_id" in r[2]] == [
        ["100", "u0099"],
        ["101", "u0099"],
    ]
    assert all(
        r[2].startswith("account_id: duplicate (rows 100, 101)")
        for r in rejects[1:]
        if r[0] in ("100", "101")
    )
    assert (summary["read"], summary["accepted"] + summary["rejected"]) == (200, 200)


def test_statistics_that_say_unordered_go_straight_to_hashing(tmp_path: Path) -> None:
    ids: list[str | None] = [f"u{i:04d}" for i in range(300)][::-1]
    snapshot = write_parquet(tmp_path / "s.parquet", ids, 50, stats=True)
    *_, steps = outputs(snapshot, tmp_path / "out", EngineSettings(threads=2))
    assert steps == ["count", "decide", "duplicates", "write"]


def test_an_id_out_of_order_stops_the_ordered_scan_and_hashing_decides(tmp_path: Path) -> None:
    ids: list[str | None] = [f"u{i:04d}" for i in range(300)]
    ids[120], ids[130] = ids[130], ids[120]  # inside one row group: its statistics still ascend
    ids[140] = ids[141]
    snapshot = write_parquet(tmp_path / "s.parquet", ids, 50, stats=True)
    _, rejects, summary, steps = outputs(snapshot, tmp_path / "out", EngineSettings(threads=2))
    assert steps == ["count", "decide", "duplicates", "order check", "write"]
    assert [r[:2] for r in rejects[1:] if "account_id" in r[2]] == [
        ["141", "u0141"],
        ["142", "u0141"],
    ]
    assert summary["read"] == summary["accepted"] + summary["rejected"] == 300


def test_an_unknown_way_to_find_duplicates_is_refused() -> None:
    with pytest.raises(ValueError, match="'sort' is not one of auto, order, hash"):
        EngineSettings(duplicates="sort")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("ids", "way"),
    [
        (pa.array([f"u{i:04d}" for i in range(300)], pa.large_string()), "arrow"),
        (pa.array(range(-150, 150), pa.int64()), "arrow"),
        (pa.array(range(300), pa.uint16()), "arrow"),
        (pa.array([f"u{i:04d}".encode() for i in range(300)], pa.binary()), "duckdb"),
    ],
    ids=["large_string", "int64", "uint16", "binary"],
)
def test_ids_of_any_type_are_proved_in_order_and_read_as_text(
    ids: pa.Array, way: str, tmp_path: Path
) -> None:
    """Arrow proves the ids it can compare (text, integers); DuckDB's scan proves the others."""
    path = tmp_path / "s.parquet"
    table = pq.read_table(write_parquet(path, ["x"] * len(ids), 50, True))
    pq.write_table(table.set_column(0, "account_id", ids), path, row_group_size=50)
    assert _ids.comparable(path, (50,) * 6) == (way == "arrow")
    got = outputs(path, tmp_path / "auto", EngineSettings(threads=2))
    by_hash = outputs(path, tmp_path / "hash", EngineSettings(threads=2, duplicates="hash"))
    assert got[:3] == by_hash[:3]
    assert got[3] == ["count", "decide", "write"]  # proved in order: no hashing
    texts = duckdb.sql(f"SELECT CAST(account_id AS VARCHAR) FROM '{path}'").fetchall()
    assert {d[0] for d in got[0]} <= {t[0] for t in texts}  # the ids as DuckDB writes them


def test_arrow_hands_over_the_ids_of_exactly_the_rows_kept(tmp_path: Path) -> None:
    """Kept rows straddle batch and row group edges; each gets its own row's id."""
    n = 1_000
    ids: list[str | None] = [f"acct-{i:05d}" for i in range(n)]
    path = write_parquet(tmp_path / "s.parquet", ids, 97, stats=True)
    with mock.patch.object(_ids, "BATCH_ROWS", 13):
        decisions, rejects, summary, steps = outputs(path, tmp_path / "out", EngineSettings())
    assert steps == ["count", "decide", "write"]
    followers = {f"acct-{i:05d}": (i * 379_001) % 1_400_000 for i in range(n)}
    assert decisions and all(followers[d[0]] >= 500_000 for d in decisions)
    # every rejected row names its own id and row (row r holds id r - 1)
    assert rejects[1:] and all(r[1] == f"acct-{int(r[0]) - 1:05d}" for r in rejects[1:])
    assert summary["read"] == summary["accepted"] + summary["rejected"] == n


def test_an_empty_first_id_is_missing_not_the_smallest(tmp_path: Path) -> None:
    ids: list[str | None] = ["", *(f"u{i:04d}" for i in range(1, 200))]
    path = write_parquet(tmp_path / "s.parquet", ids, 50, stats=True)
    _, rejects, summary, steps = outputs(path, tmp_path / "out", EngineSettings(threads=2))
    assert "order check" in steps and "duplicates" in steps
    assert [r[:2] for r in rejects[1:] if "account_id" in r[2]] == [["1", ""]]
    assert summary["read"] == summary["accepted"] + summary["rejected"] == 200
