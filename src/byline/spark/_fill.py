"""``byline count --accounts SNAPSHOT`` on Spark: the snapshot, every column and row as it was
(in its order), with ``followers``, ``effective_followers`` and ``owner_followers`` from the
graph, and with owners its ``owner_ref``: what ``byline.graph`` writes as ``accounts.parquet``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from byline.graph import GraphFileError, file_format

_INTEGERS = (T.ByteType, T.ShortType, T.IntegerType, T.LongType)
FILLED = ("followers", "effective_followers", "owner_followers")


def filled_snapshot(
    spark: SparkSession,
    path: Path,
    counts: DataFrame,
    owners: DataFrame | None,
    owned: DataFrame | None,
    key: Callable[..., Column],
) -> DataFrame:
    """The snapshot filled, in its rows' order (``_row``, dropped by the writer). ``counts``:
    ``account_id``, ``followers``, ``effective_followers``; ``owners``: ``owner_ref``,
    ``owner_followers``; ``owned``: ``_listed`` (an owners file's id, as text) and ``owner_ref``;
    ``key`` makes a snapshot id the graph's (``_graph._id``)."""
    if file_format(path, None) != "parquet":
        raise GraphFileError(f"{path}: on Spark, --accounts takes a Parquet snapshot")
    snapshot = spark.read.parquet(str(path.resolve()))
    if "account_id" not in snapshot.columns:
        raise GraphFileError(
            f"{path}: missing required column account_id "
            f"(found: {', '.join(sorted(snapshot.columns)) or 'none'})"
        )
    typed = isinstance(snapshot.schema["account_id"].dataType, _INTEGERS)
    columns = snapshot.columns
    rows = snapshot.select("*", (F.col("_metadata.row_index") + 1).alias("_row"))
    rows = rows.withColumn("_key", key(F.col("account_id"), typed=typed))
    found = counts.select(
        F.col("account_id").alias("_key"),
        F.col("followers").alias("_f"),
        F.col("effective_followers").alias("_e"),
    )
    rows = rows.join(found, "_key", "left")
    followers = F.coalesce(F.col("_f"), F.lit(0).cast("long"))
    values: dict[str, Column] = {
        "followers": followers,
        "effective_followers": F.coalesce(F.col("_e"), F.lit(0).cast("long")),
        "owner_followers": followers,  # an account with no owner is its own holder
    }
    names = [*columns, *(n for n in FILLED if n not in columns)]
    if owned is not None and owners is not None:
        audience = owned.select(F.col("_listed"), F.col("owner_ref").alias("_owner")).join(
            owners.select(
                F.col("owner_ref").alias("_owner"), F.col("owner_followers").alias("_of")
            ),
            "_owner",
            "left",
        )
        rows = rows.join(audience, F.col("account_id").cast("string") == F.col("_listed"), "left")
        listed = F.col("_listed").isNotNull()
        values["owner_followers"] = F.when(listed, F.coalesce(F.col("_of"), F.lit(0))).otherwise(
            followers
        )
        values["owner_ref"] = F.col("_owner").cast("string")
        names += [] if "owner_ref" in names else ["owner_ref"]
    out = [
        (values[n].cast("long") if n in FILLED else values[n]).alias(n) if n in values else F.col(n)
        for n in names
    ]
    return rows.select("_row", *out)
