"""``byline count`` on Spark: each followed account's distinct and effective followers, each
owner's distinct audience, the rejected edges and a summary whose tallies reconcile, written as
``byline.graph`` (the embedded, numpy engine) writes them. Only tallies, the owners' check and
the rejected rows (a partition at a time) reach the driver.

Ids are typed as the embedded engine types them: integers when both columns hold integers (in a
text file: every present id a canonical whole number), else text; a missing id is null or ''.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable

from pyspark import StorageLevel
from pyspark.errors import PySparkException
from pyspark.sql import Column, DataFrame, Observation, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from byline.engine import first_line
from byline.graph import (
    ACCOUNTS,
    COUNTS,
    DEFAULT_FLAGGED,
    OWNERS,
    REJECTS,
    SUMMARY,
    CountReport,
    GraphFileError,
    GraphOutputError,
    file_format,
)
from byline.spark._fill import filled_snapshot
from byline.spark._read import number_rows, observed
from byline.spark._where import Where, as_path, for_spark, put_in_place, remove_output

EDGES = ("follower_id", "followee_id")
_WHOLE = r"^(0|-?[1-9][0-9]{0,17})$"  # the embedded engine's canonical whole number
_ENGINE = "spark"


def count_graph(
    spark: SparkSession,
    edges: Where,
    out_dir: Where,
    *,
    flags: Where | None = None,
    owners: Where | None = None,
    accounts: Where | None = None,
    fmt: str | None = None,
    flagged: frozenset[str] = DEFAULT_FLAGGED,
) -> CountReport:
    """Write ``counts.parquet``, ``owners.parquet`` (with ``owners``), ``rejects.csv`` and
    ``summary.json`` into ``out_dir``."""
    began = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in (COUNTS, OWNERS, SUMMARY, REJECTS, ACCOUNTS):
        remove_output(out_dir / name)
    follows = None
    try:
        frame, integer, numbered = _edges(spark, edges, fmt)
        frame = frame.withColumn("_reason", _reason())
        tallies = (F.count(F.lit(1)).alias("n"), F.count("_reason").alias("bad"))
        tallied = Observation("edges")
        accepted_pairs = frame.observe(tallied, *tallies).where(F.col("_reason").isNull())
        if flags is None and owners is None and accounts is None:
            # The raw count is one pass, as a hand-written job makes it: the edges read and
            # tallied, the distinct followers counted per account and written.
            written = _write_raw(out_dir, accepted_pairs)
            seen = observed(tallied, frame.agg(*tallies))
        else:
            # The edges are not kept: the distinct pairs are (every count is made from them),
            # and the rows are tallied on the way there.
            follows = accepted_pairs.select(*EDGES).distinct()
            follows = follows.persist(StorageLevel.MEMORY_AND_DISK)
            follows.count()
            seen = observed(tallied, frame.agg(*tallies))
            away = _flagged(spark, flags, flagged, integer) if flags is not None else None
            owned = _owners(spark, owners, integer) if owners is not None else None
            fill = None
            if accounts is not None:
                path = accounts

                def fill(counts: DataFrame, owners: DataFrame | None) -> DataFrame:
                    key = functools.partial(_id, integer=integer)
                    return filled_snapshot(spark, path, counts, owners, owned, key)

            written = _write(out_dir, frame, follows, away, owned, fill)
        read, rejected = seen["n"], seen["bad"]
        # The rejects are a second, filtered read, numbered by row; only when there are any.
        bad = numbered().withColumn("_reason", _reason()) if rejected else None
        _staged(out_dir / REJECTS, lambda p: _rejects(bad, p))
    except PySparkException as exc:
        raise GraphFileError(f"{edges}: cannot be read: {first_line(exc)}") from None
    finally:
        if follows is not None:
            follows.unpersist()
    accepted = read - rejected
    report = CountReport(
        as_path(out_dir),
        read=read,
        accepted=accepted,
        rejected=rejected,
        duplicates=accepted - written["follows"],
        follows=written["follows"],
        accounts_followed=written["accounts_followed"],
        flagged_accounts=written["flagged_accounts"],
        owners=written["owners"],
        ids="integer" if integer else "text",
        order="grouped",
        engine=_ENGINE,
        seconds={"total": time.perf_counter() - began},
        files={"counts": COUNTS}
        | ({"owners": OWNERS} if owners is not None else {})
        | {"rejects": REJECTS}
        | ({"accounts": ACCOUNTS} if accounts is not None else {}),
    )
    text = json.dumps(report.summary(), indent=2) + "\n"
    _staged(out_dir / SUMMARY, lambda p: p.write_text(text, encoding="utf-8"))
    return report


def _reason() -> Column:
    """Why an edge is rejected (null: it is not)."""
    missing_from = F.col("follower_id").isNull()
    missing_to = F.col("followee_id").isNull()
    return (
        F.when(missing_from & missing_to, "follower_id: missing; followee_id: missing")
        .when(missing_from, "follower_id: missing")
        .when(missing_to, "followee_id: missing")
        .when(F.col("follower_id") == F.col("followee_id"), "self-follow")
    )


def _write_raw(out_dir: Where, accepted: DataFrame) -> dict[str, int]:
    """The raw counts (no flags, no owners) in one job: distinct followers per account,
    counted and written; the tallies observed on the way out."""
    counts = (
        accepted.groupBy(F.col("followee_id").alias("account_id"))
        .agg(F.count_distinct("follower_id").alias("followers"))
        .select(
            "account_id",
            "followers",
            F.col("followers").alias("effective_followers"),
            F.lit(None).cast("string").alias("owner_ref"),
        )
    )
    tallies = (F.count(F.lit(1)).alias("accounts"), F.sum("followers").alias("follows"))
    wrote = Observation("counts")
    _staged(out_dir / COUNTS, lambda p: _parquet(counts.observe(wrote, *tallies), p))
    seen = observed(wrote, counts.agg(*tallies))
    return {
        "follows": seen["follows"],
        "accounts_followed": seen["accounts"],
        "flagged_accounts": 0,
        "owners": 0,
    }


def _write(
    out_dir: Where,
    frame: DataFrame,
    follows: DataFrame,
    away: DataFrame | None,
    owned: DataFrame | None,
    fill: Callable[[DataFrame, DataFrame | None], DataFrame] | None = None,
) -> dict[str, int]:
    """counts and owners (and with ``fill`` the filled snapshot); the tallies."""
    followee = F.col("followee_id").alias("account_id")
    followers = follows.groupBy(followee).agg(F.count(F.lit(1)).alias("followers"))
    if away is not None:
        effective = follows.join(
            away.withColumnRenamed("account_id", "follower_id"), "follower_id", "left_anti"
        )
        effective_n = effective.groupBy(followee).agg(
            F.count(F.lit(1)).alias("effective_followers")
        )
        counts = followers.join(effective_n, "account_id", "left")
        counts = counts.fillna(0, ["effective_followers"])
    else:  # nobody is flagged: every follower counts (no second aggregation, no join)
        counts = followers.withColumn("effective_followers", F.col("followers"))
    if owned is not None:
        counts = counts.join(owned, "account_id", "left")
    else:
        counts = counts.withColumn("owner_ref", F.lit(None).cast("string"))
    counts = counts.select("account_id", "followers", "effective_followers", "owner_ref").persist()
    try:
        _staged(out_dir / COUNTS, lambda p: _parquet(counts.orderBy("account_id"), p))
        tallies: dict[str, int] = {"follows": follows.count(), "accounts_followed": counts.count()}
        owners = None
        if owned is not None:
            owners = _owner_table(follows, counts, owned).persist()
            _staged(out_dir / OWNERS, lambda p: _parquet(owners.orderBy("owner_ref"), p))
            tallies["owners_n"] = owners.count()
        if fill is not None:
            snapshot = fill(counts, owners)
            _staged(
                out_dir / ACCOUNTS, lambda p: _parquet(snapshot.orderBy("_row").drop("_row"), p)
            )
        if owners is not None:
            owners.unpersist()
    finally:
        counts.unpersist()
    ids = frame.select(F.col("follower_id").alias("i")).union(
        frame.select(F.col("followee_id").alias("i"))
    )
    flagged = 0
    if away is not None:
        flagged = away.join(ids.distinct(), away["account_id"] == F.col("i"), "left_semi").count()
    return {
        "follows": tallies["follows"],
        "accounts_followed": tallies["accounts_followed"],
        "flagged_accounts": flagged,
        "owners": tallies.get("owners_n", 0),
    }


def _owner_table(follows: DataFrame, counts: DataFrame, owned: DataFrame) -> DataFrame:
    """``owner_ref``, ``accounts``, ``owner_followers``, ``max_account_followers``."""
    into = follows.join(owned, follows["followee_id"] == owned["account_id"])
    audience = (
        into.select("owner_ref", "follower_id")
        .distinct()
        .groupBy("owner_ref")
        .agg(F.count(F.lit(1)).alias("owner_followers"))
    )
    maxima = (
        counts.where(F.col("owner_ref").isNotNull())
        .groupBy("owner_ref")
        .agg(F.max("followers").alias("max_account_followers"))
    )
    listed = owned.groupBy("owner_ref").agg(F.count(F.lit(1)).alias("accounts"))
    return (
        listed.join(audience, "owner_ref", "left")
        .join(maxima, "owner_ref", "left")
        .fillna(0, ["owner_followers", "max_account_followers"])
        .select("owner_ref", "accounts", "owner_followers", "max_account_followers")
    )


def _rejects(edges: DataFrame | None, out: Where) -> None:
    """``row``, ``reason`` of the rejected ``edges`` (numbered, with ``_reason``; None: there
    are none) in row order, quoted as Arrow's CSV writer (the embedded engine's)."""
    with out.open("w", encoding="utf-8", newline="") as f:
        f.write('"row","reason"\n')
        if edges is None:
            return
        rejected = edges.where(F.col("_reason").isNotNull()).select("_row", "_reason")
        for row, reason in rejected.orderBy("_row").toLocalIterator():
            f.write(f'{row},"{reason}"\n')


def _parquet(frame: DataFrame, out: Where) -> None:
    frame.write.option("compression", "zstd").parquet(for_spark(out))


def _staged(path: Where, write: Callable[[Where], object]) -> None:
    """``path`` written beside its name and put in place whole; a failure names it."""
    partial = path.with_name(path.name + ".partial")
    remove_output(partial)
    try:
        write(partial)
        put_in_place(partial, path)
    except OSError as exc:
        remove_output(partial)
        raise GraphOutputError(f"{path}: cannot be written: {exc.strerror or exc}") from None
    except BaseException:
        remove_output(partial)
        raise


def _edges(
    spark: SparkSession, path: Where, fmt: str | None
) -> tuple[DataFrame, bool, Callable[[], DataFrame]]:
    """The two id columns, typed alike; whether they are integers; and the same with ``_row``
    (each edge's row in the file), made only when asked for: numbering a text file is a pass
    of its own."""
    fmt = file_format(as_path(path), fmt)
    where = for_spark(path)
    try:
        if fmt == "parquet":
            raw = spark.read.parquet(where)
            _require(path, raw.columns, EDGES)
            kinds = {n: raw.schema[n].dataType for n in EDGES}
            frame = raw.select(*EDGES)

            def numbered() -> DataFrame:
                return raw.select((F.col("_metadata.row_index") + 1).alias("_row"), *EDGES)

            integer = all(
                isinstance(k, (T.ByteType, T.ShortType, T.IntegerType, T.LongType))
                for k in kinds.values()
            )
            text_means_int = False
        elif fmt == "csv":
            raw = spark.read.csv(where, header=True, inferSchema=False, multiLine=True, escape='"')
            _require(path, raw.columns, EDGES)
            frame = raw.select(*EDGES)

            def numbered() -> DataFrame:
                return number_rows(raw).select("_row", *EDGES)

            integer, text_means_int = False, True
        else:
            lines = spark.read.text(where)
            keys = F.json_object_keys("value")
            value = F.when(keys.isNotNull(), F.col("value"))
            present = (
                lines.where(keys.isNotNull())
                .limit(1000)
                .select(F.explode(keys).alias("k"))
                .distinct()
                .collect()
            )
            if present or not lines.isEmpty():
                _require(path, [r["k"] for r in present], EDGES)
            frame = lines.select(F.json_tuple(value, *EDGES).alias(*EDGES))

            def numbered() -> DataFrame:
                return number_rows(lines).select("_row", F.json_tuple(value, *EDGES).alias(*EDGES))

            integer, text_means_int = False, True
    except PySparkException as exc:
        raise GraphFileError(f"{path}: not a readable {fmt} file: {first_line(exc)}") from None
    if text_means_int:
        integer = _all_whole(frame)
    ids = [_id(F.col(n), integer, typed=fmt == "parquet").alias(n) for n in EDGES]
    return frame.select(*ids), integer, lambda: numbered().select("_row", *ids)


def _all_whole(frame: DataFrame) -> bool:
    """Whether every present id of both columns is a canonical whole number (no id: yes)."""
    checks = [
        F.bool_and(F.col(n).isNull() | (F.col(n) == "") | F.col(n).rlike(_WHOLE)).alias(n)
        for n in EDGES
    ]
    row = frame.agg(*checks).first()
    return row is not None and all(row[n] is not False for n in EDGES)


def _id(column: Column, integer: bool, *, typed: bool = False) -> Column:
    """An id as the graph's type; null when missing ('' is missing text). A ``typed`` integer
    column is one already; text is an integer id only when canonical (``007`` is not)."""
    text = column.cast("string")
    if integer and typed:
        return column.cast("long")
    if integer:
        return F.when(text.rlike(_WHOLE), text.try_cast("long"))
    return F.when(text != "", text)


def _require(path: Where, present: list[str], names: tuple[str, ...]) -> None:
    missing = [n for n in names if n not in present]
    if missing:
        raise GraphFileError(
            f"{path}: missing required column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} (found: {', '.join(sorted(present)) or 'none'})"
        )


def _side_file(spark: SparkSession, path: Where, columns: tuple[str, str]) -> DataFrame:
    fmt = file_format(as_path(path), None)
    where = for_spark(path)
    if fmt == "parquet":
        raw = number_rows(spark.read.parquet(where))
    elif fmt == "csv":
        raw = number_rows(spark.read.csv(where, header=True, multiLine=True, escape='"'))
    else:
        keys = F.json_object_keys("value")
        value = F.when(keys.isNotNull(), F.col("value"))
        raw = number_rows(spark.read.text(where)).select(
            "_row", F.json_tuple(value, *columns).alias(*columns)
        )
    _require(path, raw.columns, columns)
    frame = raw.select("_row", *(F.col(c).cast("string").alias(c) for c in columns))
    for name in columns:
        bad = frame.where(F.col(name).isNull() | (F.col(name) == ""))
        first = bad.agg(F.min("_row").alias("row"), F.count(F.lit(1)).alias("n")).first()
        if first is not None and first["n"]:
            raise GraphFileError(
                f"{path}: row {first['row']}: {name}: missing ({first['n']:,} rows lack it)"
            )
    return frame


def _flagged(spark: SparkSession, path: Where, flagged: frozenset[str], integer: bool) -> DataFrame:
    """The accounts whose followers do not count towards effective followers (``account_id``)."""
    frame = _side_file(spark, path, ("account_id", "flag"))
    chosen = F.lower(F.trim(F.col("flag"))).isin(sorted(flagged))
    return (
        frame.where(chosen)
        .select(_id(F.col("account_id"), integer).alias("account_id"))
        .where(F.col("account_id").isNotNull())
        .distinct()
    )


def _owners(spark: SparkSession, path: Where, integer: bool) -> DataFrame:
    """``account_id``, ``owner_ref``: one owner per account (``GraphFileError`` otherwise)."""
    frame = _side_file(spark, path, ("account_id", "owner_ref"))
    pairs = frame.select("account_id", "owner_ref").distinct()
    twice = pairs.groupBy("account_id").count().where(F.col("count") > 1)
    found = twice.agg(F.min("account_id").alias("a"), F.count(F.lit(1)).alias("n")).first()
    if found is not None and found["n"]:
        raise GraphFileError(
            f"{path}: account {found['a']} has more than one owner_ref "
            f"({found['n']:,} accounts do); an account has one holder"
        )
    return pairs.select(
        _id(F.col("account_id"), integer).alias("account_id"),
        "owner_ref",
        F.col("account_id").alias("_listed"),
    )
