"""``byline count`` held to a plain Python reference on generated graphs.

Graphs are drawn by hypothesis: repeated pairs, self-follows, missing ids, flags (counted and
not), owners; ids as small integers, as large or negative integers, or as text; in every file
format, in file orders that take each of the engine's ways to find repeats; in batches as small as
one edge, so that repeats and orders meet across batches.
"""

from __future__ import annotations

import json
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from byline.graph import count_graph

ACCOUNTS = 14
FLAGS = ("bot", "inactive", "banned", "verified")
COUNTED_AWAY = {"bot", "inactive", "banned"}


def _id(n: int | None, way: str) -> Any:
    if n is None:
        return None if way != "text" else ""
    if way == "small":
        return n
    if way == "wide":
        return (n - 7) * 10**12  # negative and far apart: ranked, not used directly
    return f"acct-{n:03d}"


@st.composite
def graphs(draw: st.DrawFn) -> dict[str, Any]:
    node = st.integers(0, ACCOUNTS - 1)
    maybe = st.one_of(node, st.none()) if draw(st.booleans()) else node
    pairs = draw(st.lists(st.tuples(maybe, node), max_size=60))
    pairs += [(a, a) for a in draw(st.lists(node, max_size=3))]  # self-follows
    pairs += draw(st.lists(st.sampled_from(pairs), max_size=15)) if pairs else []  # repeats
    order = draw(st.sampled_from(["drawn", "by_followee", "by_follower"]))
    if order != "drawn":
        first = 1 if order == "by_followee" else 0
        pairs = sorted(pairs, key=lambda p: (p[first] is None, p[first] or 0, p[1 - first] or 0))
    flags = draw(st.dictionaries(node, st.sampled_from(FLAGS), max_size=6))
    owners = draw(st.dictionaries(node, st.sampled_from(["o1", "o2", "o3"]), max_size=8))
    return {
        "pairs": pairs,
        "flags": flags,
        "owners": owners,
        "way": draw(st.sampled_from(["small", "wide", "text"])),
        "format": draw(st.sampled_from(["parquet", "csv", "jsonl"])),
        "batch_rows": draw(st.sampled_from([1, 3, 8, 1 << 21])),
    }


def reference(g: dict[str, Any]) -> dict[str, Any]:
    """Row by row, with sets: what the counts must be."""
    followers: dict[int, set[int]] = defaultdict(set)
    rejected = []
    for row, (a, b) in enumerate(g["pairs"], 1):
        if a is None or b is None or a == b:
            rejected.append(row)
        else:
            followers[b].add(a)
    away = {a for a, f in g["flags"].items() if f in COUNTED_AWAY}
    audience: dict[str, set[int]] = defaultdict(set)
    for account, owner in g["owners"].items():
        audience[owner] |= followers.get(account, set())
    accepted = len(g["pairs"]) - len(rejected)
    return {
        "counts": {
            b: (len(s), len(s - away), g["owners"].get(b)) for b, s in followers.items() if s
        },
        "owners": {
            o: (
                sum(1 for v in g["owners"].values() if v == o),
                len(audience[o]),
                max(len(followers.get(a, ())) for a, v in g["owners"].items() if v == o),
            )
            for o in set(g["owners"].values())
        },
        "rejected": rejected,
        "duplicates": accepted - sum(len(s) for s in followers.values()),
    }


def _write(folder: Path, name: str, columns: dict[str, list[Any]], fmt: str) -> Path:
    table = pa.table(columns)
    if fmt == "parquet":
        path = folder / f"{name}.parquet"
        pq.write_table(table, path, row_group_size=7)
    elif fmt == "csv":
        path = folder / f"{name}.csv"
        lines = [",".join(columns)]
        for row in zip(*columns.values(), strict=True):
            lines.append(",".join("" if v is None else str(v) for v in row))
        path.write_text("\n".join(lines) + "\n")
    else:
        path = folder / f"{name}.jsonl"
        rows = zip(*columns.values(), strict=True)
        path.write_text(
            "".join(json.dumps(dict(zip(columns, r, strict=True))) + "\n" for r in rows)
        )
    return path


def _run(g: dict[str, Any], folder: Path) -> Path:
    way, fmt = g["way"], g["format"]
    edges = _write(
        folder,
        "edges",
        {
            "follower_id": [_id(a, way) for a, _ in g["pairs"]],
            "followee_id": [_id(b, way) for _, b in g["pairs"]],
        },
        fmt,
    )
    flags = _write(
        folder,
        "flags",
        {"account_id": [_id(a, way) for a in g["flags"]], "flag": list(g["flags"].values())},
        "csv",
    )
    owners = _write(
        folder,
        "owners",
        {"account_id": [_id(a, way) for a in g["owners"]], "owner_ref": list(g["owners"].values())},
        "parquet" if fmt == "jsonl" else fmt,
    )
    out = folder / "out"
    count_graph(
        edges,
        out,
        flags=flags,
        owners=owners if g["owners"] else None,
        batch_rows=g["batch_rows"],
    )
    return out


def _key(value: Any, way: str) -> int:
    if way == "small":
        return int(value)
    if way == "wide":
        return int(value) // 10**12 + 7
    return int(str(value).removeprefix("acct-"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_count_agrees_with_the_reference(g: dict[str, Any]) -> None:
    want = reference(g)
    with tempfile.TemporaryDirectory() as tmp:
        out = _run(g, Path(tmp))
        counts = pq.read_table(out / "counts.parquet").to_pylist()
        got = {
            _key(r["account_id"], g["way"]): (
                r["followers"],
                r["effective_followers"],
                r["owner_ref"],
            )
            for r in counts
        }
        assert got == want["counts"]
        ids = [r["account_id"] for r in counts]
        assert ids == sorted(ids)
        if g["owners"]:
            owners = pq.read_table(out / "owners.parquet").to_pylist()
            assert {
                r["owner_ref"]: (r["accounts"], r["owner_followers"], r["max_account_followers"])
                for r in owners
            } == want["owners"]
        rejects = (out / "rejects.csv").read_text().splitlines()[1:]
        assert [int(line.split(",")[0]) for line in rejects] == want["rejected"]
        summary = json.loads((out / "summary.json").read_text())
        assert summary["read"] == len(g["pairs"])
        assert summary["read"] == summary["accepted"] + summary["rejected"]
        assert summary["rejected"] == len(want["rejected"])
        assert summary["duplicates"] == want["duplicates"]
