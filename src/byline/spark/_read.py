"""A snapshot file as Spark reads it: the same relation ``engine._snapshot`` makes for DuckDB
(``_row``, the 1-based row number of the record in the file, whatever its format; ``account_id``,
``kind``, ``category`` as text; each metric as a long beside its raw value ``_raw_<metric>``;
the cheap ``_good`` test; ``_problems``, every problem of the row in the words of
``engine.reasons``).

Row numbers: a Parquet file's own (``_metadata.row_index``); a CSV or JSONL file's records are
numbered by counting the records of each of the file's splits first (a small job whose answer
is one count per split), so no record and no row is brought to the driver.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyspark.errors import PySparkException
from pyspark.sql import Column, DataFrame, Observation, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from byline.domain.policy import Policy
from byline.engine import (
    SnapshotError,
    csv_header,
    first_line,
    reasons,
    require_columns,
    snapshot_format,
    without_owners,
)
from byline.spark._where import Where, as_path

_JSON_SAMPLE_LINES = 1000  # lines whose keys say which fields a JSONL snapshot has
_EXTRA = "_byline_extra"  # a CSV record's field past the header's last
_INTEGERS = (T.ByteType, T.ShortType, T.IntegerType, T.LongType)
_FLOATS = (T.FloatType, T.DoubleType)


@dataclass(frozen=True)
class Table:
    """A table of the session's catalog (``db.name``), read as a snapshot."""

    name: str

    def __str__(self) -> str:
        return self.name


Source = Where | Table  # a snapshot file, a folder of Parquet part files, or a table


@dataclass(frozen=True)
class Rows:
    """A snapshot's rows, shaped and checked; ``frame`` is lazy (nothing is read yet)."""

    path: Source
    format: str
    frame: DataFrame
    metrics: tuple[str, ...]
    owner_metrics: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()

    @property
    def owners(self) -> bool:
        return "owner_ref" in self.texts

    @property
    def carried(self) -> tuple[str, ...]:
        return (*self.metrics, *self.owner_metrics, *self.texts)


def open_rows(spark: SparkSession, path: Source, policy: Policy, fmt: str | None) -> Rows:
    """The snapshot with the policy's metrics, and with ``owner_ref`` and the owner metrics when
    it has them (as the embedded engine reads it: required under ``judge = "owner"``)."""
    owner = tuple(m for m in policy.owner_metrics if m not in policy.metrics)
    try:
        return read_rows(
            spark, path, policy.metrics, fmt, ("owner_ref",), owner, policy.judges_owners
        )
    except SnapshotError as exc:
        without_owners(exc, policy)
    return read_rows(spark, path, policy.metrics, fmt)


def read_rows(
    spark: SparkSession,
    path: Source,
    metrics: tuple[str, ...],
    fmt: str | None = None,
    texts: tuple[str, ...] = (),
    owner_metrics: tuple[str, ...] = (),
    owners_strict: bool = False,
) -> Rows:
    fmt = _format(path, fmt)
    required = ("account_id", "kind", "category", *metrics, *owner_metrics, *texts)
    try:
        if isinstance(path, Table) or path.is_dir():
            raw, record_ok, problem = _many_files(spark, path, required), None, ""
        else:
            raw, record_ok, problem = _raw(spark, path, fmt, required)
    except PySparkException as exc:
        raise SnapshotError(f"{path}: not a readable {fmt} file: {first_line(exc)}") from None
    types = {f.name: f.dataType for f in raw.schema.fields}
    frame = _values(raw, metrics, types, texts, owner_metrics, owners_strict, record_ok, problem)
    return Rows(path, fmt, frame, metrics, owner_metrics, texts)


def _format(path: Source, fmt: str | None) -> str:
    """``table`` for a table; ``parquet`` for a folder of part files (Spark reads such a folder,
    the embedded engine does not); else the file's format, as the embedded engine tells it."""
    if isinstance(path, Table):
        return "table"
    if path.is_dir() and fmt in (None, "parquet"):
        if not any(path.glob("*.parquet")):
            raise SnapshotError(f"{path}: a folder without Parquet part files (*.parquet)")
        return "parquet"
    return snapshot_format(as_path(path), fmt)


def _many_files(spark: SparkSession, source: Source, required: tuple[str, ...]) -> DataFrame:
    """A table or a folder of Parquet files: its rows numbered file by file (in the files'
    names' order, each file's rows in its own order), or, for a table not made of files, in
    the order its scan reads them."""
    scan = (
        spark.table(source.name)
        if isinstance(source, Table)
        else spark.read.parquet(str(source.resolve()))
    )
    named = Path(source.name) if isinstance(source, Table) else as_path(source)
    require_columns(named, {f.name: "" for f in scan.schema.fields}, required)
    try:
        numbered = _numbered_by_file(scan)
    except PySparkException:  # no files behind it (a view, a catalog of its own)
        numbered = _numbered_by_scan(scan)
    return numbered.select("_row", *required)


def _numbered_by_file(scan: DataFrame) -> DataFrame:
    tagged = scan.select(
        "*", F.col("_metadata.file_path").alias("_file"), F.col("_metadata.row_index").alias("_i")
    )
    before, shift = 0, []
    for file, n in sorted(
        (str(r[0]), int(r[1])) for r in tagged.groupBy("_file").count().collect()
    ):
        shift += [F.lit(file), F.lit(before + 1).cast("long")]
        before += n
    offset = F.element_at(F.create_map(*shift), F.col("_file")) if shift else F.lit(0)
    return tagged.withColumn("_row", F.col("_i") + offset).drop("_file", "_i")


def _numbered_by_scan(scan: DataFrame) -> DataFrame:
    tagged = scan.select(
        "*", F.spark_partition_id().alias("_part"), F.monotonically_increasing_id().alias("_id")
    )
    before, shift = 0, []
    rows = tagged.groupBy("_part").agg(F.count(F.lit(1)), F.min("_id")).collect()
    for part, n, low in sorted((int(r[0]), int(r[1]), int(r[2])) for r in rows):
        shift += [F.lit(part), F.lit(before - low + 1).cast("long")]
        before += n
    offset = F.element_at(F.create_map(*shift), F.col("_part")) if shift else F.lit(0)
    return tagged.withColumn("_row", F.col("_id") + offset).drop("_part", "_id")


def _raw(
    spark: SparkSession, path: Where, fmt: str, required: tuple[str, ...]
) -> tuple[DataFrame, Column | None, str]:
    """``_row`` and the required columns as found; whether the record as a whole is usable."""
    where = str(path.resolve())
    if fmt == "parquet":
        frame = spark.read.parquet(where)
        require_columns(as_path(path), {f.name: "" for f in frame.schema.fields}, required)
        row = F.col("_metadata.row_index") + 1
        return frame.select(row.alias("_row"), *required), None, ""
    if fmt == "csv":
        header = csv_header(as_path(path))
        require_columns(as_path(path), dict.fromkeys(header, "VARCHAR"), required)
        # Every field as text, by position; one more than the header's catches a long record
        # (a short one is padded with nulls, which its missing fields reject). ``multiLine``: a
        # quoted field may hold a line break (RFC 4180), and the records are read in file order.
        # The header is the first record read, numbered 0.
        fields = [*header, _EXTRA]
        schema = T.StructType([T.StructField(c, T.StringType()) for c in fields])
        frame = spark.read.csv(where, schema=schema, header=False, multiLine=True, escape='"')
        numbered = number_rows(frame, first=0).where(F.col("_row") > 0)
        ok = F.col(_EXTRA).isNull().alias("_ok")
        return numbered.select("_row", *required, ok), F.col("_ok"), reasons.TOO_MANY_FIELDS
    lines = spark.read.text(where)
    keys = F.json_object_keys("value")
    # Which fields the lines have: a bounded sample of their keys, as the embedded engine takes.
    present = (
        lines.where(keys.isNotNull())
        .limit(_JSON_SAMPLE_LINES)
        .select(F.explode(keys).alias("k"))
        .distinct()
        .collect()
    )
    require_columns(as_path(path), {r["k"]: "VARCHAR" for r in present}, required)
    numbered = number_rows(lines).select("_row", "value", keys.isNotNull().alias("_ok"))
    value = F.when(F.col("_ok"), F.col("value"))
    frame = numbered.select("_row", "_ok", F.json_tuple(value, *required).alias(*required))
    return frame, F.col("_ok"), reasons.NOT_AN_OBJECT


def number_rows(scan: DataFrame, first: int = 1) -> DataFrame:
    """The rows of ``scan`` (a file as read, before any other step) with ``_row``: each
    record's place in the file, the first numbered ``first``. Each split of the file (its
    ``file_block_start``) is counted first; a record's number is the count of the splits
    before its own plus its place in its split, whichever order the splits are read in."""
    tagged = scan.select(
        "*",
        F.col("_metadata.file_block_start").alias("_block"),
        F.monotonically_increasing_id().alias("_id"),  # consecutive within a split
    )
    splits = tagged.groupBy("_block").agg(F.count(F.lit(1)).alias("n"), F.min("_id").alias("low"))
    before, shift = 0, []
    for block, n, low in sorted((int(r[0]), int(r[1]), int(r[2])) for r in splits.collect()):
        shift += [F.lit(block).cast("long"), F.lit(before - low + first).cast("long")]
        before += n
    offset = F.element_at(F.create_map(*shift), F.col("_block")) if shift else F.lit(0)
    return tagged.withColumn("_row", F.col("_id") + offset).drop("_block", "_id")


def _values(
    raw: DataFrame,
    metrics: tuple[str, ...],
    types: dict[str, T.DataType],
    texts: tuple[str, ...],
    owner_metrics: tuple[str, ...],
    owners_strict: bool,
    record_ok: Column | None,
    record_problem: str,
) -> DataFrame:
    """The rows shaped as ``engine.Snapshot.values_sql`` shapes them, with ``_problems``."""
    ident = F.col("account_id")
    if not isinstance(types["account_id"], T.StringType):
        ident = ident.cast("string")
    typed = {m: _metric_value(F.col(m), types[m]) for m in (*metrics, *owner_metrics)}
    good = [
        ident.isNotNull() & (ident != ""),
        *(F.col(c).cast("string").isin(list(v)) for c, v in reasons.VOCABULARIES.items()),
        *(typed[m] >= 0 for m in metrics),
    ]
    if record_ok is not None:
        good.insert(0, record_ok)
    linked = F.nullif(F.col("owner_ref").cast("string"), F.lit("")).isNotNull()
    owner_values = {}
    for m in owner_metrics:
        if owners_strict:
            good.append(~linked | F.coalesce(typed[m] >= 0, F.lit(False)))
            owner_values[m] = typed[m]
        else:
            owner_values[m] = F.when(typed[m] >= 0, typed[m])
    all_good = good[0]
    for g in good[1:]:
        all_good = all_good & g
    columns = [
        F.col("_row"),
        ident.alias("account_id"),
        F.col("kind").cast("string").alias("kind"),
        F.col("category").cast("string").alias("category"),
        *(typed[m].alias(m) for m in metrics),
        *(owner_values[m].alias(m) for m in owner_metrics),
        *(F.nullif(F.col(t).cast("string"), F.lit("")).alias(t) for t in texts),
        F.coalesce(all_good, F.lit(False)).alias("_good"),
    ]
    checks = [
        F.when(ident.isNull() | (ident == ""), F.lit(reasons.missing("account_id"))),
        *(_enum_check(c) for c in reasons.VOCABULARIES),
        *(_metric_check(m, typed[m], types[m]) for m in metrics),
        *(
            F.when(linked, _metric_check(m, typed[m], types[m]))
            for m in (owner_metrics if owners_strict else ())
        ),
    ]
    problems = F.nullif(F.concat_ws(reasons.SEPARATOR, *checks), F.lit(""))
    if record_ok is not None:
        problems = F.when(~record_ok, F.lit(record_problem)).otherwise(problems)
    return raw.select(*columns, problems.alias("_problems"))


def _metric_value(column: Column, kind: T.DataType) -> Column:
    """The value as a long, or null when it is not a whole number in range."""
    if isinstance(kind, _INTEGERS) or (isinstance(kind, T.DecimalType) and kind.scale == 0):
        return column.try_cast("long")
    if isinstance(kind, _FLOATS):
        x = column.cast("double")
        finite = ~F.isnan(x) & (F.abs(x) < F.lit(9e18))
        return F.when(finite & (x == F.floor(x)), x.cast("long"))
    text = F.trim(column.cast("string"))
    # Whole numbers only (a cast alone would round '1.5'); ``\z``: the very end, not a line's.
    return F.when(text.rlike("^" + reasons.WHOLE_NUMBER + r"\z"), text.try_cast("long"))


# A double written as the embedded engine writes one: the shortest digits that read back as the
# same double, positional from 1e-4 to 1e16 (``12345678.5``, ``0.0001``), else ``1e+20``;
# ``nan``, ``inf``, ``-inf`` (Python's ``repr``). Java would write ``1.23456785E7``, ``1.0E-4``.
# A lambda of builtins alone: it travels to the workers by value (no Byline import there), and
# is not taken for a pandas UDF as a function with type hints would be.
_FLOAT_TEXT = F.udf(lambda x: None if x is None else repr(x), T.StringType())


def _shown(column: Column, kind: T.DataType) -> Column:
    """A bad value as a reason quotes it, written as the embedded engine writes it."""
    if isinstance(kind, _FLOATS):
        # Only a column of floats pays for the Python function: only its values need it.
        text = _FLOAT_TEXT(column.cast("double"))
    else:
        text = column.cast("string")
    return F.substring(text, 1, reasons.SHOWN)


def _metric_check(metric: str, value: Column, kind: T.DataType) -> Column:
    raw = F.col(metric)
    missing = raw.isNull()
    if not isinstance(kind, _INTEGERS):
        missing = missing | (F.trim(raw.cast("string")) == "")
    shown = _shown(raw, kind)
    return (
        F.when(missing, F.lit(reasons.missing(metric)))
        .when(value.isNull(), F.concat(F.lit(reasons.not_whole(metric)), shown, F.lit(")")))
        .when(value < 0, F.concat(F.lit(reasons.negative(metric)), shown, F.lit(")")))
    )


def _enum_check(column: str) -> Column:
    text = F.col(column).cast("string")
    before, after = reasons.unknown_value(column)
    shown = F.substring(text, 1, reasons.SHOWN)
    return F.when(text.isNull(), F.lit(reasons.missing(column))).when(
        ~text.isin(list(reasons.VOCABULARIES[column])),
        F.concat(F.lit(before), shown, F.lit(after)),
    )


def observed(observation: Observation, again: DataFrame) -> dict[str, int]:
    """The counts ``observation`` made on the way through a job; when it saw nothing (a job
    with no task, over an empty file, reports no metrics), ``again``'s one row of them."""
    try:
        seen = dict(observation.get)
    except Exception:  # py4j's assertion when no metrics were reported
        seen = {}
    if not seen:
        row = again.first()
        seen = row.asDict() if row is not None else {}
    return {k: int(v or 0) for k, v in seen.items()}
