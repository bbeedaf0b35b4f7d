"""Bad rows are rejected with row number and reason; the rest are decided; counts reconcile."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from byline.engine import DiffCounts, EngineSettings, SnapshotError, evaluate, open_snapshot
from byline.policy import load_policy

from factories import write_snapshot

WEIBO = load_policy("weibo")
AS_OF = dt.date(2023, 12, 25)

GOOD = {"kind": "individual", "category": "finance"}
ROWS = [
    {"account_id": "ok-big", **GOOD, "followers": 1_200_000},  # 1: required, 1M tier
    {"account_id": "ok-mid", **GOOD, "followers": 600_000},  # 2: required, 500K tier
    {"account_id": "", **GOOD, "followers": 10},  # 3: id missing
    {"account_id": "robot", "kind": "robot", "category": "finance", "followers": 10},  # 4
    {"account_id": "gossip", "kind": "individual", "category": "gossip", "followers": 10},  # 5
    {"account_id": "neg", **GOOD, "followers": -3},  # 6
    {"account_id": "dup", **GOOD, "followers": 700_000},  # 7: duplicate of 9
    {"account_id": "none", **GOOD, "followers": None},  # 8
    {"account_id": "dup", **GOOD, "followers": 5},  # 9
    {"account_id": "small", **GOOD, "followers": 499_999},  # 10: accepted, not reported
    {"account_id": "both", "kind": "alien", "category": "finance", "followers": -1},  # 11
]
EXPECTED_REJECTS = {
    3: "account_id: missing",
    4: "kind: unknown value 'robot' (allowed: individual, organization)",
    5: "category: unknown value 'gossip'",
    6: "followers: negative (-3)",
    7: "account_id: duplicate (rows 7, 9)",
    8: "followers: missing",
    9: "account_id: duplicate (rows 7, 9)",
    11: "kind: unknown value 'alien'",
}


def read_rejects(out: Path) -> dict[int, str]:
    with (out / "rejects.csv").open() as f:
        return {int(r["row"]): r["reason"] for r in csv.DictReader(f)}


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_bad_rows_rejected_with_row_and_reason(fmt: str, tmp_path: Path) -> None:
    snapshot = write_snapshot(tmp_path / f"s.{fmt}", ROWS)
    result = evaluate(snapshot, WEIBO, AS_OF, tmp_path / "out")
    rejects = read_rejects(tmp_path / "out")
    assert sorted(rejects) == sorted(EXPECTED_REJECTS)
    for row, reason in EXPECTED_REJECTS.items():
        assert rejects[row].startswith(reason), (row, rejects[row])
    assert "followers: negative (-1)" in rejects[11]  # every problem of a row is named
    s = result.summary
    assert (s.read, s.accepted, s.rejected) == (11, 3, 8)
    assert s.read == s.accepted + s.rejected
    assert s.by_outcome["required"] == 2
    assert s.by_outcome["below_threshold"] == 1
    decided = duckdb.sql(
        f"SELECT account_id, tier FROM '{tmp_path / 'out' / 'decisions.parquet'}' ORDER BY 1"
    ).fetchall()
    assert decided == [("ok-big", "weibo.tier.1m"), ("ok-mid", "weibo.tier.500k")]


@pytest.mark.parametrize(
    "text, problem",
    [
        ("1.5", "not a whole number"),
        ("12x", "not a whole number"),
        ("1e6", "not a whole number"),
        ("", "missing"),
        ("99999999999999999999999", "not a whole number"),
    ],
)
def test_non_integer_followers_in_text_formats(text: str, problem: str, tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        f"account_id,kind,category,followers\nx,individual,finance,{text}\n"
        "y,individual,finance,+600000\n"
    )
    result = evaluate(path, WEIBO, AS_OF, tmp_path / "out")
    assert problem in read_rejects(tmp_path / "out")[1]
    assert result.summary.required == 1


def test_float_followers_in_parquet(tmp_path: Path) -> None:
    rows = [
        {"account_id": "a", **GOOD, "followers": 600_000.0},
        {"account_id": "b", **GOOD, "followers": 600_000.5},
        {"account_id": "c", **GOOD, "followers": float("nan")},
    ]
    evaluate(write_snapshot(tmp_path / "s.parquet", rows), WEIBO, AS_OF, tmp_path / "out")
    assert sorted(read_rejects(tmp_path / "out")) == [2, 3]


def test_malformed_json_line_is_one_rejected_row(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    good = json.dumps({"account_id": "a", **GOOD, "followers": 600_000})
    path.write_text(f"{good}\nnot json\n[1, 2]\n")
    result = evaluate(path, WEIBO, AS_OF, tmp_path / "out")
    assert read_rejects(tmp_path / "out") == {
        2: "line: not a JSON object",
        3: "line: not a JSON object",
    }
    assert (result.summary.read, result.summary.required) == (3, 1)


def test_no_rejects_file_when_nothing_rejected(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "rejects.csv").write_text("stale\n")
    evaluate(write_snapshot(tmp_path / "s.parquet", ROWS[:2]), WEIBO, AS_OF, out)
    assert not (out / "rejects.csv").exists()


@pytest.mark.parametrize(
    "setup, message",
    [
        (lambda p: p / "missing.parquet", "no such file"),
        (
            lambda p: write_snapshot(
                p / "s.parquet", [{"account_id": "a", "kind": "individual", "category": "finance"}]
            ),
            "missing required column followers",
        ),
        (
            lambda p: (p / "s.parquet").write_text("this is not parquet") and p / "s.parquet",
            "not a readable parquet file",
        ),
        (lambda p: (p / "s.txt").write_text("x") and p / "s.txt", "cannot tell the format"),
        (
            lambda p: (p / "s.jsonl").write_text('{"account_id": "a"}\n') and p / "s.jsonl",
            "missing required columns kind, category, followers",
        ),
    ],
)
def test_unreadable_file_fails_with_one_clear_message(setup, message: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = setup(tmp_path)
    with pytest.raises(SnapshotError, match=message) as info:
        evaluate(path, WEIBO, AS_OF, tmp_path / "out")
    assert str(path) in str(info.value)


def test_diff_against_previous_evaluation(tmp_path: Path) -> None:
    rows = [
        {"account_id": "big", **GOOD, "followers": 1_500_000},
        {"account_id": "mid", **GOOD, "followers": 700_000},
        {"account_id": "gone", **GOOD, "followers": 800_000},
    ]
    first = write_snapshot(tmp_path / "1.parquet", rows)
    evaluate(first, WEIBO, dt.date(2023, 11, 1), tmp_path / "nov")
    rows[2]["followers"] = 100  # purged its followers
    second = write_snapshot(tmp_path / "2.parquet", rows)
    result = evaluate(
        second, WEIBO, dt.date(2023, 12, 22), tmp_path / "dec", previous=tmp_path / "nov"
    )
    assert result.summary.diff == DiffCounts(newly_required=1)
    rows[0]["followers"] = 600_000
    third = write_snapshot(tmp_path / "3.parquet", rows)
    result = evaluate(
        third, WEIBO, dt.date(2023, 12, 23), tmp_path / "dec2", previous=tmp_path / "dec"
    )
    assert result.summary.diff == DiffCounts(tier_changed=1)
    changes = duckdb.sql(
        f"SELECT account_id, change, old_tier, new_tier FROM '{tmp_path / 'dec2' / 'diff.parquet'}'"
    ).fetchall()
    assert changes == [("big", "tier_changed", "weibo.tier.1m", "weibo.tier.500k")]


def test_csv_lines_with_too_few_or_too_many_fields_are_rejected_rows(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        "account_id,kind,category,followers\na,individual,finance,600000\n"
        "b,individual,finance\nc,individual,finance,700000,extra\n"
        "d,individual,finance,800000\n"
    )
    result = evaluate(path, WEIBO, AS_OF, tmp_path / "out")
    assert read_rejects(tmp_path / "out") == {
        2: "followers: missing",
        3: "line: more fields than the header",
    }
    assert (result.summary.read, result.summary.required) == (4, 2)


def test_stale_diff_is_removed_and_other_policies_are_not_compared(tmp_path: Path) -> None:
    rows = [{"account_id": "a", **GOOD, "followers": 1_500_000}]
    snap = write_snapshot(tmp_path / "s.parquet", rows)
    evaluate(snap, WEIBO, AS_OF, tmp_path / "one")
    evaluate(snap, WEIBO, AS_OF, tmp_path / "two", previous=tmp_path / "one")
    assert (tmp_path / "two" / "diff.parquet").exists()
    evaluate(snap, WEIBO, AS_OF, tmp_path / "two")
    assert not (tmp_path / "two" / "diff.parquet").exists()
    from byline.engine import DiffError

    with pytest.raises(DiffError, match="not 'douyin'"):
        evaluate(snap, load_policy("douyin"), AS_OF, tmp_path / "three", previous=tmp_path / "one")


@pytest.mark.parametrize("duplicates", ["auto", "order", "hash"])
def test_integer_ids_and_kinds_in_parquet_are_read_as_text(duplicates: str, tmp_path: Path) -> None:
    """Ids stored as integers are the same ids as text; a kind stored as a number is unknown."""
    ids = [*range(1, 12), 7]  # as integers they ascend up to the repeat; as text '10' < '9'
    table = pa.table(
        {
            "account_id": pa.array(ids, pa.int64()),
            "kind": pa.array(["individual"] * 11 + ["organization"]),
            "category": pa.array(["finance"] * 12),
            "followers": pa.array([600_000] * 12, pa.int64()),
        }
    )
    pq.write_table(table, tmp_path / "s.parquet", row_group_size=4)
    settings = EngineSettings(threads=2, duplicates=duplicates)  # type: ignore[arg-type]
    result = evaluate(tmp_path / "s.parquet", WEIBO, AS_OF, tmp_path / "out", settings=settings)
    rejects = read_rejects(tmp_path / "out")
    assert rejects == {
        7: "account_id: duplicate (rows 7, 12)",
        12: "account_id: duplicate (rows 7, 12)",
    }
    assert (result.summary.read, result.summary.required) == (12, 10)

    numbered = table.set_column(1, "kind", pa.array([0] * 12, pa.int64()))
    pq.write_table(numbered, tmp_path / "k.parquet")
    evaluate(tmp_path / "k.parquet", WEIBO, AS_OF, tmp_path / "k", settings=settings)
    assert set(read_rejects(tmp_path / "k").values()) >= {
        "kind: unknown value '0' (allowed: individual, organization)"
    }


def test_reading_a_snapshot_writes_nothing_to_the_callers_database(tmp_path: Path) -> None:
    """The vocabulary types the engine casts to are temporary: a read-only database will do."""
    db = tmp_path / "analyst.duckdb"
    duckdb.connect(str(db)).close()
    snapshot = write_snapshot(tmp_path / "s.parquet", ROWS)
    con = duckdb.connect(str(db), read_only=True)
    try:
        snap = open_snapshot(con, snapshot, WEIBO.metrics)
        good = con.execute(f"SELECT count(*) FILTER (WHERE _good) FROM ({snap.values_sql()})")
        assert good.fetchone() == (5,)  # rows 1, 2, 7, 9, 10: duplicates are settled later
    finally:
        con.close()


def test_csv_line_break_inside_a_quoted_field_is_one_row(tmp_path: Path) -> None:
    # RFC 4180: a quoted field may hold a line break. The record is one row, and the rows
    # after it keep their numbers (records in file order, header not counted).
    path = tmp_path / "s.csv"
    path.write_text(
        "account_id,kind,category,followers,handle\n"
        'a,individual,finance,600000,"first line\nsecond line"\n'
        '"b",individual,finance,700000,"x\r\ny"\n'
        "c,individual,finance,-1,c\n"
        "d,individual,finance,800000,d\n"
    )
    result = evaluate(path, WEIBO, AS_OF, tmp_path / "out")
    assert read_rejects(tmp_path / "out") == {3: "followers: negative (-1)"}
    s = result.summary
    assert (s.read, s.accepted, s.rejected, s.required) == (4, 3, 1, 3)


def test_csv_line_break_inside_the_id_is_kept_in_the_id(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        'account_id,kind,category,followers\n"a\nb",individual,finance,600000\n'
        '"a\nb",individual,finance,700000\n'
    )
    evaluate(path, WEIBO, AS_OF, tmp_path / "out")
    assert read_rejects(tmp_path / "out") == {
        1: "account_id: duplicate (rows 1, 2)",
        2: "account_id: duplicate (rows 1, 2)",
    }


def test_csv_with_a_byte_order_mark_reads_as_without(tmp_path: Path) -> None:
    plain = write_snapshot(tmp_path / "plain.csv", ROWS)
    marked = tmp_path / "marked.csv"
    marked.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes())
    with_mark = evaluate(marked, WEIBO, AS_OF, tmp_path / "marked")
    without = evaluate(plain, WEIBO, AS_OF, tmp_path / "plain")
    assert read_rejects(tmp_path / "marked") == read_rejects(tmp_path / "plain")
    assert sorted(read_rejects(tmp_path / "marked")) == sorted(EXPECTED_REJECTS)
    for key in ("read", "accepted", "rejected", "by_outcome", "by_tier"):
        assert getattr(with_mark.summary, key) == getattr(without.summary, key), key


def test_csv_the_reader_refuses_late_in_the_file_is_one_clear_error(tmp_path: Path) -> None:
    # Past the sample DuckDB sniffs at opening: the refusal comes in the middle of the scan.
    path = tmp_path / "s.csv"
    lines = [f"a{i:06d},individual,finance,600000\n" for i in range(60_000)]
    path.write_bytes(
        ("account_id,kind,category,followers\n" + "".join(lines)).encode()
        + b"z\xff,individual,finance,1\n"
    )
    with pytest.raises(SnapshotError) as info:
        evaluate(path, WEIBO, AS_OF, tmp_path / "out")
    assert str(info.value).startswith(f"{path}: cannot be read: ")
    assert "CSV Error on Line: 60002" in str(info.value)


def test_parquet_errors_name_only_the_files_own_columns(tmp_path: Path) -> None:
    path = write_snapshot(tmp_path / "s.parquet", [{"account_id": "a", "followers": 1}])
    with pytest.raises(SnapshotError) as info:
        evaluate(path, WEIBO, AS_OF, tmp_path / "out")
    assert str(info.value) == (
        f"{path}: missing required columns kind, category (found: account_id, followers)"
    )
    clash = write_snapshot(
        tmp_path / "clash.parquet",
        [{**ROWS[0], "file_row_number": 7}, {**ROWS[1], "file_row_number": 3}],
    )
    with pytest.raises(SnapshotError) as info:
        evaluate(clash, WEIBO, AS_OF, tmp_path / "out")
    assert str(info.value) == (
        f"{clash}: a column named 'file_row_number' is reserved (the engine numbers rows"
        " under that name); rename or drop it"
    )
