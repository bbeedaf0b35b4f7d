"""Deciding a snapshot's rows on Spark: duplicated ids found, every row accepted or rejected with
its reasons, the accepted ones decided; kept (persisted on the executors) are only the rows
every output is computed from, as the embedded engine keeps ``_kept``: the rejected rows, and
the accepted rows that meet some tier's threshold (or whose owner's audience does)."""

from __future__ import annotations

import datetime as dt

from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, Observation
from pyspark.sql import functions as F

from byline.domain.policy import Policy
from byline.engine import reasons
from byline.spark._compile import compile_decision
from byline.spark._read import Rows, observed


def duplicates(rows: Rows) -> DataFrame | None:
    """Every id on more than one row, with those rows in order (``dup_id``, ``dup_rows``);
    None when no id is. The ids are counted by a shuffle of the ids alone; the rows of the
    duplicated ones (few, in a snapshot worth deciding) are gathered in a second."""
    ids = rows.frame.select("account_id", "_row").where(
        F.col("account_id").isNotNull() & (F.col("account_id") != "")
    )
    repeated = ids.groupBy("account_id").count().where(F.col("count") > 1).select("account_id")
    dups = (
        ids.join(repeated, "account_id", "left_semi")
        .groupBy("account_id")
        .agg(F.sort_array(F.collect_list("_row")).alias("dup_rows"))
        .withColumnRenamed("account_id", "dup_id")
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    if dups.isEmpty():
        dups.unpersist()
        return None
    return dups


def keep_rows(
    rows: Rows, policy: Policy, as_of: dt.date, dups: DataFrame | None
) -> tuple[DataFrame, int]:
    """The kept rows, decided and persisted; how many rows were read (counted on the way)."""
    decision = compile_decision(policy, as_of, owners=rows.owners)
    frame = rows.frame
    dup_problem: Column = F.lit(None).cast("string")
    accepted = F.col("_good")
    if dups is not None:
        frame = frame.join(dups, frame["account_id"] == dups["dup_id"], "left")
        accepted = F.col("_good") & F.col("dup_rows").isNull()
        shown = F.slice(F.col("dup_rows"), 1, reasons.DUPLICATE_ROWS_SHOWN)
        more = F.when(F.size("dup_rows") > reasons.DUPLICATE_ROWS_SHOWN, reasons.MORE_ROWS)
        dup_problem = F.when(
            F.col("dup_rows").isNotNull(),
            F.concat(
                F.lit(reasons.DUPLICATE),
                F.array_join(shown.cast("array<string>"), ", "),
                F.coalesce(more, F.lit("")),
                F.lit(")"),
            ),
        )
    read = Observation("read")
    counted = frame.observe(read, F.count(F.lit(1)).alias("rows"))
    carried = [F.col(c) for c in rows.carried]
    kept = (
        counted.select(
            "_row",
            "account_id",
            "kind",
            "category",
            *carried,
            accepted.alias("accepted"),
            F.concat_ws(reasons.SEPARATOR, dup_problem, F.col("_problems")).alias("_reason"),
            decision.keep.alias("_keep"),
        )
        .where(~F.col("accepted") | F.coalesce(F.col("_keep"), F.lit(False)))
        .select(
            "_row",
            "account_id",
            "kind",
            "category",
            *carried,
            "accepted",
            (F.col("accepted") & F.coalesce(decision.met_any, F.lit(False))).alias("reported"),
            F.when(~F.col("accepted"), F.col("_reason")).alias("reject_reason"),
            F.when(F.col("accepted"), decision.outcome).alias("outcome"),
            F.when(F.col("accepted"), decision.tier).alias("tier"),
            F.when(F.col("accepted"), decision.reasons).alias("reasons"),
        )
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    kept.count()  # materialised once: every output is computed from it
    return kept, observed(read, rows.frame.agg(F.count(F.lit(1)).alias("rows")))["rows"]
