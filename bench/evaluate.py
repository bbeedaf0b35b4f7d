"""Benchmark: `byline evaluate`'s engine against its floor and a pandas baseline, side by side.

For each size (10M and 100M accounts by default) it generates and caches a synthetic Weibo
snapshot under bench/.cache/, then runs, each in a fresh process (so peak memory is its own):

- floor:  DuckDB merely reading every value of the columns the decision needs (an aggregate over
          each column; no validation, no decision);
- engine: Byline's evaluation: validation (duplicates included), decisions, rejects, summary;
          the snapshot's ids ascend, as synth writes them and an export by primary key does, so
          the engine reads each column once: DuckDB validates and decides on every column but
          the id, Arrow reads the ids and proves them present and ascending, hence unique;
- engine-hash: the same evaluation finding duplicates by hashing, as it does for a file whose
          ids are in no order;
- pandas: a straightforward pandas implementation of the same validation and decision.

It prints seconds, accounts/s, peak RSS and the ratios engine/floor and pandas/engine. Timings are
the median of --repeat runs. A job's clock starts once its modules are imported; the import time
is printed apart (the engine's modules: about 0.5 s, DuckDB's alone: 0.15 s). Nothing here
asserts a time: these machines are noisy.

With --bounds it also times, each as a ratio to the floor:
- no-dups:  the engine's validation and decisions in one DuckDB scan, ids included, with no
            duplicate check at all (what the checks made in DuckDB add to; the engine's split
            by column beats it, reading the ids with Arrow);
- ids:      DuckDB reading the account ids alone (what a second pass over the ids costs at least);
- arrow-ids: the engine's id check alone: Arrow reading the ids, proving them ascending;
- lag-scan: the engine's check by order in DuckDB alone (``lag``), as it checks a CSV or JSONL
            file, and as it checked Parquet before the ids were left to Arrow;
- hashes:   one pass that streams every id's hash out of DuckDB with the rows worth keeping
            marked (what a single-pass check by hashing costs before it has found a duplicate);
- dup-sort: the engine's check by hashing: the ids' hashes sorted, neighbours compared;
- dup-agg:  DuckDB's duplicate aggregate over the same hashes (what the engine did before).

    python bench/evaluate.py                      # 10M and 100M
    python bench/evaluate.py --sizes 10M --repeat 3
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CACHE = Path(__file__).parent / ".cache"
POLICY = "weibo"
AS_OF = dt.date(2023, 12, 25)
SEED = 7
COLUMNS = ("account_id", "kind", "category", "followers")


def parse_size(text: str) -> int:
    text = text.strip().upper()
    scale = {"K": 1_000, "M": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("KM")) * scale)


def snapshot_for(accounts: int) -> Path:
    folder = CACHE / f"weibo-{accounts}-seed{SEED}"
    data = folder / "accounts.parquet"
    if not data.exists():
        from byline.synth import write_snapshot

        print(
            f"generating {accounts:,} accounts into {folder} (cached for next time) ...", flush=True
        )
        started = time.perf_counter()
        write_snapshot(folder, POLICY, accounts, SEED)
        print(f"  generated in {time.perf_counter() - started:.1f}s", flush=True)
    return data


# --- workers: each runs in its own process --------------------------------------------------


def work_floor(snapshot: Path, out: Path) -> dict[str, object]:
    import duckdb

    con = duckdb.connect()
    row = con.execute(
        "SELECT max(length(account_id)), max(length(kind)), max(length(category)), "
        f"sum(followers) FROM read_parquet('{snapshot}')"
    ).fetchone()
    return {"checksum": [str(v) for v in row or ()]}


def work_no_dups(snapshot: Path, out: Path) -> dict[str, object]:
    from byline.engine import connect, open_snapshot
    from byline.engine._duplicates import no_duplicates
    from byline.engine._kept import decide_interesting_rows
    from byline.policy import load_policy

    policy = load_policy(POLICY)
    con = connect()
    no_duplicates(con)
    decide_interesting_rows(con, open_snapshot(con, snapshot, policy.metrics), policy, AS_OF)
    row = con.execute("SELECT count(*) FROM _kept").fetchone()
    return {"kept": row[0] if row else None}


def work_ids(snapshot: Path, out: Path) -> dict[str, object]:
    import duckdb

    row = (
        duckdb.connect()
        .execute(f"SELECT max(length(account_id)) FROM read_parquet('{snapshot}')")
        .fetchone()
    )
    return {"checksum": [str(v) for v in row or ()]}


def work_arrow_ids(snapshot: Path, out: Path) -> dict[str, object]:
    import numpy as np

    from byline.engine import connect, open_snapshot
    from byline.engine._ids import ascending_ids
    from byline.engine._settings import threads
    from byline.policy import load_policy

    con = connect()
    groups = open_snapshot(con, snapshot, load_policy(POLICY).metrics).row_groups
    found = ascending_ids(snapshot, groups, np.array([1], np.int64), threads(con))
    return {"proved": found is not None}


def work_lag_scan(snapshot: Path, out: Path) -> dict[str, object]:
    from byline.engine import connect, open_snapshot
    from byline.engine._ordered import decide_in_order, ordered_runs
    from byline.policy import load_policy

    policy = load_policy(POLICY)
    con = connect()
    opened = open_snapshot(con, snapshot, policy.metrics)
    runs = ordered_runs(con, opened, "order")
    assert runs is not None
    return {"proved": decide_in_order(con, opened, policy, AS_OF, runs)}


def work_hashes(snapshot: Path, out: Path) -> dict[str, object]:
    import duckdb

    keep = "(followers >= 500000 OR kind NOT IN ('individual', 'organization'))"
    reader = (
        duckdb.connect()
        .sql(
            f"SELECT hash(account_id) AS h, CASE WHEN {keep} THEN file_row_number END AS kept "
            f"FROM read_parquet('{snapshot}', file_row_number=true)"
        )
        .to_arrow_reader(1_000_000)
    )
    rows = kept = 0
    for batch in reader:
        rows += batch.num_rows
        kept += batch.num_rows - batch.column(1).null_count
    return {"rows": rows, "kept": kept}


def work_dup_sort(snapshot: Path, out: Path) -> dict[str, object]:
    from byline.engine import connect, open_snapshot
    from byline.engine._duplicates import find_duplicates
    from byline.policy import load_policy

    con = connect()
    find_duplicates(con, open_snapshot(con, snapshot, load_policy(POLICY).metrics))
    row = con.execute("SELECT count(*) FROM _dups").fetchone()
    return {"duplicated_ids": row[0] if row else None}


def work_dup_agg(snapshot: Path, out: Path) -> dict[str, object]:
    import duckdb

    con = duckdb.connect(config={"memory_limit": "4GB"})
    row = con.execute(
        "SELECT count(*) FROM (SELECT hash(account_id) AS h "
        f"FROM read_parquet('{snapshot}') GROUP BY h HAVING count(*) > 1)"
    ).fetchone()
    return {"duplicated_hashes": row[0] if row else None}


def work_engine(snapshot: Path, out: Path, duplicates: str = "auto") -> dict[str, object]:
    from byline.engine import EngineSettings, evaluate
    from byline.policy import load_policy

    settings = EngineSettings(duplicates=duplicates)  # type: ignore[arg-type]
    result = evaluate(snapshot, load_policy(POLICY), AS_OF, out, settings=settings)
    return {
        "required": result.summary.required,
        "reported": result.summary.reported,
        "rejected": result.summary.rejected,
        "steps": dict(result.summary.seconds),
    }


def work_engine_hash(snapshot: Path, out: Path) -> dict[str, object]:
    return work_engine(snapshot, out, duplicates="hash")


def work_pandas(snapshot: Path, out: Path) -> dict[str, object]:
    """What a careful engineer would write first with pandas: load, validate, decide, write."""
    import numpy as np
    import pandas as pd

    from byline.domain import AccountKind, Category
    from byline.policy import load_policy

    policy = load_policy(POLICY)
    df = pd.read_parquet(snapshot, columns=list(COLUMNS))
    df["row"] = np.arange(1, len(df) + 1)
    followers = pd.to_numeric(df["followers"], errors="coerce")
    problems = pd.Series("", index=df.index)
    problems[df["account_id"].isna() | (df["account_id"] == "")] += "account_id: missing; "
    problems[df["account_id"].duplicated(keep=False)] += "account_id: duplicate; "
    problems[~df["kind"].isin([k.value for k in AccountKind])] += "kind: unknown; "
    problems[~df["category"].isin([c.value for c in Category])] += "category: unknown; "
    problems[followers.isna()] += "followers: missing; "
    problems[followers < 0] += "followers: negative; "
    rejected = problems != ""
    good = df[~rejected]
    f = followers[~rejected]
    in_kind = good["kind"].isin([k.value for k in policy.subjects.kinds])
    in_scope = good["category"].isin([c.value for c in policy.scope.in_scope()])
    floor_ok = f >= policy.floor.threshold["followers"]
    met = {t.id: floor_ok & (f >= t.threshold["followers"]) for t in policy.tiers}
    met_any = np.logical_or.reduce(list(met.values()))
    conditions = [~met_any, ~in_kind, ~in_scope]
    outcomes = ["below_threshold", "kind_not_subject", "category_out_of_scope"]
    tiers: list[object] = [None, None, None]
    for t in policy.tiers:
        if t.phase_starts <= AS_OF:
            conditions.append(met[t.id])
            outcomes.append("required")
            tiers.append(t.id)
    outcome = np.select(conditions, outcomes, default="phase_not_started")
    tier = np.select(conditions, tiers, default=None)
    decisions = pd.DataFrame(
        {
            "account_id": good["account_id"].to_numpy(),
            "outcome": outcome,
            "tier": tier,
            "followers": f.to_numpy(),
        }
    )
    decisions = decisions[decisions["outcome"] != "below_threshold"]
    decisions["required"] = decisions["outcome"] == "required"
    decisions.sort_values("account_id").to_parquet(out / "decisions.parquet", index=False)
    df.loc[rejected, ["row", "account_id"]].assign(reason=problems[rejected]).to_csv(
        out / "rejects.csv", index=False
    )
    return {
        "required": int(decisions["required"].sum()),
        "reported": len(decisions),
        "rejected": int(rejected.sum()),
    }


def _spark() -> tuple[object, float]:
    """A local[2] session (as CI's machines have two cores) and the seconds its JVM took."""
    started = time.perf_counter()
    from byline.spark import SparkSettings, session

    conf = {"spark.driver.memory": "8g", "spark.sql.shuffle.partitions": "8"}
    spark = session(SparkSettings("local[2]", conf))
    spark.range(1).count()  # the JVM and the session up, before the clock starts
    return spark, time.perf_counter() - started


def work_spark(snapshot: Path, out: Path) -> dict[str, object]:
    from byline.policy import load_policy
    from byline.spark import evaluate

    spark, jvm = _spark()
    started = time.perf_counter()
    result = evaluate(snapshot, load_policy(POLICY), AS_OF, out, spark=spark)  # type: ignore[arg-type]
    return {
        "work_seconds": time.perf_counter() - started,
        "jvm_seconds": jvm,
        "required": result.summary.required,
        "rejected": result.summary.rejected,
    }


def work_pyspark(snapshot: Path, out: Path) -> dict[str, object]:
    """A straightforward hand-written PySpark job for the same work, the peer the engine is held
    to: rows with a missing id, an unknown kind or a bad count rejected, every copy of a
    repeated id left out, the two Weibo tiers decided in scope, decisions and rejects written."""
    from pyspark.sql import functions as F

    spark, jvm = _spark()
    started = time.perf_counter()
    rows = spark.read.parquet(str(snapshot))  # type: ignore[attr-defined]
    bad = (
        F.col("account_id").isNull()
        | (F.col("account_id") == "")
        | ~F.col("kind").isin("individual", "organization", "government", "media")
        | F.col("category").isNull()
        | F.col("followers").isNull()
        | (F.col("followers") < 0)
    )
    good = rows.where(~bad)
    repeated = good.groupBy("account_id").count().where("count > 1").select("account_id")
    kept = good.join(repeated, "account_id", "left_anti")
    in_scope = F.col("kind").isin("individual", "organization") & F.col("category").isin(
        "current_affairs", "military", "finance", "law", "medicine"
    )
    tier = (
        F.when(in_scope & (F.col("followers") >= 1_000_000), "weibo.tier.1m")
        .when(in_scope & (F.col("followers") >= 500_000), "weibo.tier.500k")
        .otherwise(None)
    )
    decided = kept.withColumn("tier", tier).where(F.col("tier").isNotNull())
    decided.write.mode("overwrite").parquet(str(out / "decisions"))
    rows.where(bad).select("account_id").write.mode("overwrite").csv(str(out / "rejects"))
    required = decided.count()
    return {"work_seconds": time.perf_counter() - started, "jvm_seconds": jvm, "required": required}


WORKERS = {
    "floor": work_floor,
    "engine": work_engine,
    "engine-hash": work_engine_hash,
    "pandas": work_pandas,
}
BOUNDS = {
    "no-dups": work_no_dups,
    "ids": work_ids,
    "arrow-ids": work_arrow_ids,
    "lag-scan": work_lag_scan,
    "hashes": work_hashes,
    "dup-sort": work_dup_sort,
    "dup-agg": work_dup_agg,
}
SPARK = {"spark": work_spark, "pyspark": work_pyspark}
ALL_WORKERS = {**WORKERS, **BOUNDS, **SPARK}
_ENGINE = ("duckdb", "pyarrow.parquet", "byline.engine", "byline.policy")
IMPORTS: dict[str, tuple[str, ...]] = {
    "floor": ("duckdb",),
    "ids": ("duckdb",),
    "hashes": ("duckdb",),
    "dup-agg": ("duckdb",),
    "pandas": ("numpy", "pandas", "pyarrow.parquet", "byline.domain", "byline.policy"),
    "spark": ("pyspark.sql", "byline.spark", "byline.policy"),
    "pyspark": ("pyspark.sql",),
    **{
        job: _ENGINE
        for job in ("engine", "engine-hash", "no-dups", "arrow-ids", "lag-scan", "dup-sort")
    },
}


def run_worker(name: str, snapshot: Path) -> dict[str, object]:
    """Run one worker in a fresh process; return its result with seconds and peak RSS."""
    with tempfile.TemporaryDirectory() as tmp, (Path(tmp) / "stdout").open("w+") as stdout:
        proc = subprocess.Popen(
            [sys.executable, __file__, "--worker", name, "--snapshot", str(snapshot), "--out", tmp],
            stdout=stdout,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        if proc.returncode != 0:
            return {"error": f"exit {proc.returncode}", "peak_mib": usage.ru_maxrss / 1024}
        result: dict[str, object] = json.loads(stdout.read().splitlines()[-1])
        result["peak_mib"] = usage.ru_maxrss / 1024  # Linux reports KiB
        return result


def bench(
    sizes: list[int], repeat: int, skip: set[str], bounds: bool, spark: bool = False
) -> list[dict[str, object]]:
    rows = []
    jobs = [*WORKERS, *(BOUNDS if bounds else ()), *(SPARK if spark else ())]
    for accounts in sizes:
        snapshot = snapshot_for(accounts)
        for name in jobs:
            if name in skip:
                continue
            runs = [run_worker(name, snapshot) for _ in range(repeat)]
            ok = [r for r in runs if "error" not in r]
            row: dict[str, object] = {"accounts": accounts, "job": name}
            if ok:
                seconds = statistics.median(float(r["seconds"]) for r in ok)  # type: ignore[arg-type]
                row.update(
                    seconds=seconds,
                    per_second=accounts / seconds,
                    peak_mib=max(float(r["peak_mib"]) for r in ok),  # type: ignore[arg-type]
                    import_seconds=statistics.median(
                        float(r["import_seconds"])  # type: ignore[arg-type]
                        for r in ok
                    ),
                    result={
                        k: v
                        for k, v in ok[-1].items()
                        if k not in ("seconds", "peak_mib", "import_seconds")
                    },
                )
            else:
                row.update(error=runs[0]["error"], peak_mib=runs[0]["peak_mib"])
            rows.append(row)
            print(json.dumps(row, default=str), flush=True)
    return rows


def report(rows: list[dict[str, object]]) -> None:
    print()
    print(
        f"{'accounts':>12} {'job':<11} {'seconds':>9} {'accounts/s':>13} {'peak MiB':>9}"
        f" {'import s':>9}"
    )
    by: dict[tuple[object, object], dict[str, object]] = {
        (r["accounts"], r["job"]): r for r in rows
    }
    for r in rows:
        if "error" in r:
            print(f"{r['accounts']:>12,} {r['job']:<11} {'failed: ' + str(r['error']):>33}")
            continue
        print(
            f"{r['accounts']:>12,} {r['job']:<11} {r['seconds']:>9.2f} "
            f"{r['per_second']:>13,.0f} {r['peak_mib']:>9,.0f} {_imports(r):>9.2f}"
        )
    print()
    for accounts in sorted({r["accounts"] for r in rows}):  # type: ignore[type-var]
        engine, floor, pandas = (by.get((accounts, j), {}) for j in ("engine", "floor", "pandas"))
        ratios = []
        if "seconds" in engine and "seconds" in floor:
            ratios.append(f"engine/floor = {_seconds(engine) / _seconds(floor):.2f}x")
        if "seconds" in engine and "seconds" in pandas:
            ratios.append(f"pandas/engine = {_seconds(pandas) / _seconds(engine):.2f}x")
        if "error" in pandas:
            ratios.append(f"pandas failed ({pandas['error']})")
        for job in ("engine-hash", *BOUNDS):
            bound = by.get((accounts, job), {})
            if "seconds" in bound and "seconds" in floor:
                ratios.append(f"{job}/floor = {_seconds(bound) / _seconds(floor):.2f}x")
        spark, peer = by.get((accounts, "spark"), {}), by.get((accounts, "pyspark"), {})
        if "seconds" in spark and "seconds" in peer:
            details = spark.get("result")
            jvm = float(details.get("jvm_seconds", 0)) if isinstance(details, dict) else 0.0
            ratios.append(
                f"spark/pyspark = {_seconds(spark) / _seconds(peer):.2f}x (target <= 1.2);"
                f" spark/engine = {_seconds(spark) / _seconds(engine):.2f}x;"
                f" JVM start {jvm:.1f}s apart"
            )
        line = f"{accounts:>12,}: " + "; ".join(ratios)
        print(line)


def _imports(row: dict[str, object]) -> float:
    return float(row["import_seconds"])  # type: ignore[arg-type]


def _seconds(row: dict[str, object]) -> float:
    return float(row["seconds"])  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10M,100M", help="comma-separated, e.g. 10M,100M")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip", default="", help="jobs to skip, e.g. pandas")
    parser.add_argument("--bounds", action="store_true", help="also time the bounds (above)")
    parser.add_argument(
        "--spark", action="store_true", help="also the Spark engine and a hand-written PySpark job"
    )
    parser.add_argument("--worker", choices=sorted(ALL_WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--snapshot", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        # What a job imports is loaded before its clock starts, and timed apart: a fixed cost
        # of starting Python, not of reading the data (the engine's modules take about 0.5 s,
        # DuckDB's alone 0.15 s).
        started = time.perf_counter()
        for module in IMPORTS[args.worker]:
            importlib.import_module(module)
        imported = time.perf_counter()
        result = ALL_WORKERS[args.worker](args.snapshot, args.out)
        result["seconds"] = time.perf_counter() - imported
        if "work_seconds" in result:  # the JVM's start is printed apart (jvm_seconds)
            result["seconds"] = result.pop("work_seconds")
        result["import_seconds"] = imported - started
        print(json.dumps(result, default=str))
        return
    sizes = [parse_size(s) for s in args.sizes.split(",") if s]
    skip = {s for s in args.skip.split(",") if s}
    report(bench(sizes, args.repeat, skip, args.bounds, args.spark))


if __name__ == "__main__":
    main()
