"""``byline count --accounts SNAPSHOT`` on Spark: the snapshot, every column and row as it was
(in its order), with ``followers``, ``effective_followers`` and ``owner_followers`` from the
graph, and with owners its ``owner_ref``: what ``byline.graph`` writes as ``accounts.parquet``."""

from __future__ import annotations

from collections.abc import Callable

from pyspark.errors import PySparkException
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from byline.engine import csv_header, first_line
from byline.graph import NOT_A_VALUE, ONE_KIND, GraphFileError, ValueKind, file_format
from byline.spark._read import number_rows
from byline.spark._where import Where, as_path, for_spark

_INTEGERS = (T.ByteType, T.ShortType, T.IntegerType, T.LongType)
FILLED = ("followers", "effective_followers", "owner_followers")
_RAGGED = "_byline_ragged"  # a CSV record whose fields are not the header's, as written


def filled_snapshot(
    spark: SparkSession,
    path: Where,
    counts: DataFrame,
    owners: DataFrame | None,
    owned: DataFrame | None,
    key: Callable[..., Column],
) -> DataFrame:
    """The snapshot filled, in its rows' order (``_row``, dropped by the writer). ``counts``:
    ``account_id``, ``followers``, ``effective_followers``; ``owners``: ``owner_ref``,
    ``owner_followers``; ``owned``: ``_listed`` (an owners file's id, as text) and ``owner_ref``;
    ``key`` makes a snapshot id the graph's (``_graph._id``)."""
    snapshot = read_snapshot(spark, path)
    typed = isinstance(snapshot.schema["account_id"].dataType, _INTEGERS)
    columns = [c for c in snapshot.columns if c != "_row"]
    rows = snapshot
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


def read_snapshot(spark: SparkSession, path: Where) -> DataFrame:
    """The snapshot with ``_row``, typed as ``byline.graph`` types it: a Parquet file's own
    types; a CSV file's fields as text, as written; a JSONL file's values by JSON's types."""
    fmt = file_format(as_path(path), None)
    where = for_spark(path)
    try:
        if fmt == "parquet":
            frame = spark.read.parquet(where)
            frame = frame.select("*", (F.col("_metadata.row_index") + 1).alias("_row"))
        elif fmt == "csv":
            frame = _csv(spark, path, where)
        else:
            frame = _jsonl(spark, path, where)
    except PySparkException as exc:
        raise GraphFileError(f"{path}: not a readable {fmt} snapshot: {first_line(exc)}") from None
    if "account_id" not in frame.columns:
        raise GraphFileError(
            f"{path}: missing required column account_id "
            f"(found: {', '.join(sorted(c for c in frame.columns if c != '_row')) or 'none'})"
        )
    return frame


def _csv(spark: SparkSession, path: Where, where: str) -> DataFrame:
    """Every field as text; a record with more or fewer fields than the header is refused."""
    header = csv_header(as_path(path))
    schema = T.StructType([T.StructField(c, T.StringType()) for c in [*header, _RAGGED]])
    # A record with more or fewer fields than the header is kept whole in ``_RAGGED``; a field
    # read as null is an empty one.
    frame = spark.read.csv(
        where,
        schema=schema,
        header=False,
        multiLine=True,
        escape='"',
        mode="PERMISSIVE",
        columnNameOfCorruptRecord=_RAGGED,
    )
    numbered = number_rows(frame, first=0).where(F.col("_row") > 0)
    # (the fields are hashed only so that the check reads them: Spark will not read the
    # whole-record column alone)
    bad = numbered.where(F.col(_RAGGED).isNotNull()).agg(
        F.min("_row").alias("row"),
        F.count(F.lit(1)).alias("n"),
        F.max(F.xxhash64(*header)).alias("_h"),
    )
    found = bad.first()
    if found is not None and found["n"]:
        raise GraphFileError(
            f"{path}: not a readable csv snapshot: row {found['row']}: not {len(header)} fields "
            f"as in the header ({found['n']:,} rows)"
        )
    return numbered.select(
        *(F.coalesce(F.col(f"`{c}`"), F.lit("")).alias(c) for c in header), "_row"
    )


def _jsonl(spark: SparkSession, path: Where, where: str) -> DataFrame:
    """JSON's own types, the columns in the order their keys first appear (as Arrow has them)."""
    reader = spark.read.options(inferTimestamp="false", prefersDecimal="false")
    frame = reader.json(where, mode="FAILFAST")
    for field in frame.schema.fields:
        if isinstance(field.dataType, (T.ArrayType, T.StructType, T.MapType)):
            raise GraphFileError(f"{path}: {field.name}: {NOT_A_VALUE}")
    lines = number_rows(spark.read.text(where))
    texts = [f.name for f in frame.schema.fields if isinstance(f.dataType, T.StringType)]
    if texts:  # Spark reads a column of two kinds as text; Arrow, and so Byline, refuses it
        _one_kind_each(path, lines, texts)
    keys = lines.select("_row", F.posexplode(F.json_object_keys("value")).alias("at", "key"))
    first = keys.groupBy("key").agg(F.min(F.struct("_row", "at")).alias("seen"))
    order = [str(r["key"]) for r in first.orderBy("seen").collect()]
    return number_rows(frame).select(*(F.col(f"`{k}`") for k in order), "_row")


def _one_kind_each(path: Where, lines: DataFrame, columns: list[str]) -> None:
    """``GraphFileError`` naming the first row (line) whose value in one of ``columns`` is of
    another kind than that column's first value, as the embedded engine names it."""
    value = F.try_parse_json("value")
    firsts = []
    for i, column in enumerate(columns):
        quoted = column.replace("\\", "\\\\").replace("'", "\\'")
        kind = F.schema_of_variant(F.try_variant_get(value, f"$['{quoted}']", "variant"))
        named = (
            F.when(kind == "STRING", ValueKind.TEXT.value)
            .when(kind == "BOOLEAN", ValueKind.TRUE_FALSE.value)
            .when(
                kind.rlike("^(BIGINT|INT|SMALLINT|TINYINT|DOUBLE|FLOAT|DECIMAL)"),
                ValueKind.NUMBER.value,
            )
            .when(kind.rlike("^(ARRAY|OBJECT)"), ValueKind.NESTED.value)
        )
        for k, name in enumerate(ValueKind):
            firsts.append(F.min(F.when(named == name.value, F.col("_row"))).alias(f"_{i}_{k}"))
    found = lines.agg(*firsts).first()
    if found is None:
        return
    clashes = []
    for i, column in enumerate(columns):
        rows = [(found[f"_{i}_{k}"], name) for k, name in enumerate(ValueKind)]
        seen = sorted((r, name) for r, name in rows if r is not None)
        if len(seen) > 1:  # the column's first kind, and the first row of another
            (at, first_kind), (row, other) = seen[0], seen[1]
            clashes.append((row, column, other, at, first_kind))
    if clashes:
        row, column, other, at, first_kind = min(clashes)
        raise GraphFileError(
            f"{path}: row {row}: {column}: {other}, where row {at} has {first_kind}; {ONE_KIND}"
        )
