"""What a Spark evaluation writes, in the shapes the embedded engine writes them: the decisions
(a folder of Parquet part files, in account order), the rejected rows (``rejects.csv``, streamed
through the driver a partition at a time, never held whole), the flagged owners, the diff, and
the counts the summary is made of (small aggregates, the only things collected)."""

from __future__ import annotations

import datetime as dt

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from byline.domain.policy import Policy
from byline.domain.vocabulary import Outcome
from byline.engine import CHANGES, Counted, DiffCounts, DiffError, reasons
from byline.spark._compile import compile_decision
from byline.spark._read import Rows
from byline.spark._where import Where

_REQUIRED = Outcome.REQUIRED.value


def write_decisions(
    kept: DataFrame, rows: Rows, policy: Policy, as_of: dt.date, out: Where
) -> None:
    decisions = kept.where("reported").select(
        "account_id",
        (F.col("outcome") == _REQUIRED).alias("required"),
        "tier",
        "reasons",
        "outcome",
        "kind",
        "category",
        *rows.carried,
        F.lit(policy.id).alias("policy_id"),
        F.lit(policy.version).alias("policy_version"),
        F.lit(as_of).cast("date").alias("as_of"),
    )
    _parquet(decisions.orderBy("account_id"), out, compression="zstd")


def write_rejects(kept: DataFrame, out: Where) -> None:
    """``row,account_id,reason`` in row order, quoted as DuckDB quotes a CSV (an empty text
    ``""``, a missing one nothing)."""
    rejected = (
        kept.where(~F.col("accepted")).select("_row", "account_id", "reject_reason").orderBy("_row")
    )
    with out.open("w", encoding="utf-8", newline="") as f:
        f.write("row,account_id,reason\n")
        for r in rejected.toLocalIterator():
            f.write(f"{r[0]},{_csv_field(r[1])},{_csv_field(r[2])}\n")


def _csv_field(value: str | None) -> str:
    if value is None:
        return ""
    if value == "" or any(c in value for c in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


def count(kept: DataFrame, rows: Rows, read: int) -> Counted:
    """The counts of the kept rows: a few grouped numbers."""

    def grouped(frame: DataFrame) -> dict[str, int]:
        return {str(r[0]): int(r[1]) for r in frame.collect()}

    reported = kept.where("reported")
    rejected = kept.where(~F.col("accepted"))
    by_category: dict[str, dict[str, int]] = {}
    for category, outcome, n in reported.groupBy("category", "outcome").count().collect():
        by_category.setdefault(str(category), {})[str(outcome)] = int(n)
    problems = rejected.select(
        F.explode(F.split("reject_reason", reasons.SEPARATOR, -1)).alias("p")
    )
    fields = problems.select(F.substring_index("p", ":", 1).alias("f"))
    return Counted(
        read=read,
        rejected=rejected.count(),
        reported=grouped(reported.groupBy("outcome").count()),
        by_tier=grouped(kept.where(F.col("tier").isNotNull()).groupBy("tier").count()),
        by_category=by_category,
        rejected_by_field=grouped(fields.groupBy("f").count()),
    )


def write_flagged(kept: DataFrame, policy: Policy, as_of: dt.date, out: Where) -> int:
    """The owners ``engine`` flags (see ``engine._owners``), written as it writes them."""
    decision = compile_decision(policy, as_of, owners=True)
    owner = policy.owner_metrics
    owners = (
        kept.where(F.col("accepted") & F.col("owner_ref").isNotNull())
        .groupBy("owner_ref")
        .agg(
            F.count(F.lit(1)).alias("accounts"),
            F.count_if(F.col("outcome") == _REQUIRED).alias("required"),
            *(F.max(m).alias(m) for m in owner),
            F.bool_and(~decision.own_floor).alias("all_below"),
        )
    )
    flagged = owners.where(F.col("all_below") & decision.owner_tier.isNotNull()).select(
        "owner_ref", "accounts", "required", *owner, decision.owner_tier.alias("tier")
    )
    flagged = flagged.persist()
    try:
        _parquet(flagged.orderBy("owner_ref"), out, compression="zstd")
        return flagged.count()
    finally:
        flagged.unpersist()


def write_diff(spark: SparkSession, old: Where, new: Where, out: Where) -> DiffCounts:
    """What ``engine.write_diff`` writes, from decisions written by either engine."""
    if not old.exists():
        raise DiffError(f"{old}: no decisions file in the previous evaluation's folder")
    o = spark.read.parquet(str(old.resolve())).alias("o")
    n = spark.read.parquet(str(new.resolve())).alias("n")
    n_req = F.coalesce(F.col("n.required"), F.lit(False))
    o_req = F.coalesce(F.col("o.required"), F.lit(False))
    below = F.lit(Outcome.BELOW_THRESHOLD.value)
    change = (
        F.when(n_req & ~o_req, "newly_required")
        .when(o_req & ~n_req, "no_longer_required")
        .otherwise("tier_changed")
    )
    diff = (
        o.join(n, F.col("n.account_id") == F.col("o.account_id"), "full_outer")
        .where((n_req != o_req) | (n_req & o_req & ~F.col("n.tier").eqNullSafe(F.col("o.tier"))))
        .select(
            F.coalesce(F.col("n.account_id"), F.col("o.account_id")).alias("account_id"),
            change.alias("change"),
            F.col("o.tier").alias("old_tier"),
            F.col("n.tier").alias("new_tier"),
            F.coalesce(F.col("o.outcome"), below).alias("old_outcome"),
            F.coalesce(F.col("n.outcome"), below).alias("new_outcome"),
        )
        .persist()
    )
    try:
        _parquet(diff.orderBy("change", "account_id"), out)
        counts = {str(c): int(k) for c, k in diff.groupBy("change").count().collect()}
    finally:
        diff.unpersist()
    return DiffCounts(**{c: counts.get(c, 0) for c in CHANGES})


def _parquet(frame: DataFrame, out: Where, **options: str) -> None:
    frame.write.options(**options).mode("errorifexists").parquet(str(out.resolve()))
