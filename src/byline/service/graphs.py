"""Follower counts from the follow graph: the embedded counting engine behind one service."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

from byline.engine import SettingError
from byline.graph import DEFAULT_FLAGGED, CountReport, count_graph
from byline.service.evaluation import SparkOptions, located, spark_session
from byline.synth import write_graph

COUNT_ENGINES = ("embedded", "spark")


class Graphs:
    """Count followers from edge lists. Pure computation over files: no database, no clock."""

    DEFAULT_FLAGGED = tuple(sorted(DEFAULT_FLAGGED))

    def count(
        self,
        edges: Path | str,
        out_dir: Path | str,
        *,
        flags: Path | str | None = None,
        owners: Path | str | None = None,
        accounts: Path | str | None = None,
        fmt: str | None = None,
        flagged: Iterable[str] | None = None,
        engine: str = "embedded",
        spark: SparkOptions | None = None,
    ) -> CountReport:
        """Write ``counts.parquet``, ``owners.parquet`` (with ``owners``), ``rejects.csv``,
        ``summary.json`` and (with ``accounts``) ``accounts.parquet`` into ``out_dir``.

        ``flagged`` are the flags whose followers do not count towards effective followers
        (default: bot, inactive, banned). ``engine``: ``embedded`` (numpy, this machine) or
        ``spark`` (``spark`` says where; the same files, ``counts.parquet`` and
        ``owners.parquet`` folders of part files; each file or folder may be a URI,
        ``hdfs://...``, handed to Spark as it is).
        """
        chosen = DEFAULT_FLAGGED if flagged is None else frozenset(_flags(flagged))
        if engine not in COUNT_ENGINES:
            raise SettingError("engine", f"{engine!r} is not one of {', '.join(COUNT_ENGINES)}")
        on_spark = engine == "spark"
        if on_spark:
            session = spark_session(spark)  # says so when PySpark is missing
        files = {
            "edges": edges,
            "out": out_dir,
            "flags": flags,
            "owners": owners,
            "accounts": accounts,
        }
        at = {k: located(v, k, on_spark=on_spark) for k, v in files.items()}
        count: Callable[..., CountReport] = count_graph
        if on_spark:
            from byline import spark as engine_on_spark  # an optional extra: only when asked

            count = partial(engine_on_spark.count_graph, session)
        return count(
            at["edges"],
            at["out"],
            flags=at["flags"],
            owners=at["owners"],
            accounts=at["accounts"],
            fmt=fmt,
            flagged=chosen,
        )

    def synthesise(
        self,
        out_dir: Path,
        platform: str,
        accounts: int,
        edges: int,
        seed: int,
        *,
        fmt: str = "parquet",
        text_ids: bool = True,
    ) -> dict[str, Any]:
        """Write a follow graph for the synthetic snapshot of (platform, accounts, seed):
        ``edges.*``, ``flags.*``, ``owners.*`` and ``graph.json`` (returned)."""
        return write_graph(out_dir, platform, accounts, edges, seed, fmt=fmt, text_ids=text_ids)


def _flags(flagged: Iterable[str]) -> set[str]:
    chosen = {f.strip().lower() for f in flagged if f.strip()}
    if not chosen:
        raise ValueError("--flagged: name at least one flag (for example: bot,inactive,banned)")
    return chosen
