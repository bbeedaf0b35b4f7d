"""Evaluate a snapshot under a policy (a preset name or a file), on the embedded engine (DuckDB)
or on Apache Spark: the same outputs either way."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from byline.domain.policy import Policy
from byline.engine import EngineSettings, Evaluation, Progress, SettingError, evaluate
from byline.policy import load_policy

Engine = Literal["duckdb", "spark"]
ENGINES: tuple[Engine, ...] = ("duckdb", "spark")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")  # hdfs://, s3a://, file:///, ...


def located(where: Path | str | None, field: str, *, on_spark: bool) -> Any:
    """An input or output as its engine takes it: a path, or on Spark a URI (``hdfs://...``,
    ``s3a://...``, ``file:///...``) handed to Spark as it is; ``SettingError`` for a URI given
    to the embedded engine, which reads and writes this machine's files only."""
    if where is None or isinstance(where, Path):
        return where
    if not _URI.match(where):
        return Path(where)
    if not on_spark:
        raise SettingError(field, f"{where}: a URI needs --engine spark")
    from byline import spark  # only on Spark: PySpark is there (the session has started)

    return spark.Uri(where)


@dataclass(frozen=True)
class SparkOptions:
    """Where the Spark engine runs: ``master`` (None: what ``spark-submit`` says, else this
    machine's cores) and ``conf``, ``KEY=VALUE`` settings for the session."""

    master: str | None = None
    conf: tuple[str, ...] = ()

    def settings(self) -> dict[str, str]:
        """``conf`` as a mapping; ``SettingError`` (field ``spark_conf``) on a malformed pair."""
        out: dict[str, str] = {}
        for pair in self.conf:
            key, sep, value = pair.partition("=")
            if not sep or not key.strip():
                raise SettingError(
                    "spark_conf", f"{pair!r} is not KEY=VALUE (spark.executor.memory=8g)"
                )
            out[key.strip()] = value.strip()
        return out


def evaluate_snapshot(
    snapshot: Path | str | None,
    policy: str | Path,
    as_of: dt.date,
    out_dir: Path | str,
    *,
    previous: Path | str | None = None,
    fmt: str | None = None,
    progress: Progress | None = None,
    settings: EngineSettings | None = None,
    engine: Engine = "duckdb",
    spark: SparkOptions | None = None,
    table: str | None = None,
) -> Evaluation:
    """Load the policy, decide every account, write the outputs into ``out_dir``. On Spark
    the snapshot may be a folder of Parquet part files, or ``table`` (``db.name``) a table of
    the session's catalog; on Spark each path may be a URI (``hdfs://...``)."""
    if engine not in ENGINES:
        raise SettingError("engine", f"{engine!r} is not one of {', '.join(ENGINES)}")
    if (snapshot is None) == (table is None):
        raise SettingError("table", "give a snapshot or a table (--table), not both or neither")
    if table is not None and engine != "spark":
        raise SettingError("table", "a table of a Spark catalog is read on Spark: --engine spark")
    on_spark = engine == "spark"
    if not on_spark:
        for where, field in ((snapshot, "snapshot"), (out_dir, "out"), (previous, "previous")):
            located(where, field, on_spark=False)
    loaded = load_policy(policy)
    if on_spark:
        options = (previous, fmt, progress, spark, table)
        return _on_spark(snapshot, loaded, as_of, out_dir, *options)
    assert snapshot is not None
    return evaluate(
        Path(snapshot),
        loaded,
        as_of,
        Path(out_dir),
        previous=None if previous is None else Path(previous),
        fmt=fmt,
        progress=progress,
        settings=settings,
    )


def _on_spark(
    snapshot: Path | str | None,
    policy: Policy,
    as_of: dt.date,
    out_dir: Path | str,
    previous: Path | str | None,
    fmt: str | None,
    progress: Progress | None,
    options: SparkOptions | None,
    table: str | None,
) -> Evaluation:
    session = spark_session(options)  # says so when PySpark is missing
    from byline import spark

    return spark.evaluate(
        located(snapshot, "snapshot", on_spark=True),
        policy,
        as_of,
        located(out_dir, "out", on_spark=True),
        previous=located(previous, "previous", on_spark=True),
        fmt=fmt,
        progress=progress,
        spark=session,
        table=table,
    )


def spark_session(options: SparkOptions | None) -> Any:
    """The Spark session ``options`` ask for (``SettingError`` when PySpark is not installed or
    Spark cannot start), for the services that run on Spark."""
    options = options or SparkOptions()
    conf = options.settings()
    try:  # an optional extra: imported only when asked for
        from byline import spark
    except ImportError as exc:
        raise SettingError(
            "engine", f"the Spark engine needs PySpark: pip install 'byline[spark]' ({exc})"
        ) from None
    try:
        return spark.session(spark.SparkSettings(options.master, conf))
    except Exception as exc:  # the JVM did not start: no Java, a master out of reach
        raise SettingError(
            "engine", f"Spark could not start (it needs Java 17 or 21): {str(exc).strip()[:300]}"
        ) from None
