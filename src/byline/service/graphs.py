"""Follower counts from the follow graph: the embedded counting engine behind one service."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from byline.engine import SettingError
from byline.graph import DEFAULT_FLAGGED, CountReport, count_graph
from byline.service.evaluation import SparkOptions, spark_session
from byline.synth import write_graph

COUNT_ENGINES = ("embedded", "spark")


class Graphs:
    """Count followers from edge lists. Pure computation over files: no database, no clock."""

    DEFAULT_FLAGGED = tuple(sorted(DEFAULT_FLAGGED))

    def count(
        self,
        edges: Path,
        out_dir: Path,
        *,
        flags: Path | None = None,
        owners: Path | None = None,
        accounts: Path | None = None,
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
        ``owners.parquet`` folders of part files).
        """
        chosen = DEFAULT_FLAGGED if flagged is None else frozenset(_flags(flagged))
        if engine not in COUNT_ENGINES:
            raise SettingError("engine", f"{engine!r} is not one of {', '.join(COUNT_ENGINES)}")
        if engine == "spark":
            from byline import spark as on_spark  # an optional extra: only when asked for

            return on_spark.count_graph(
                spark_session(spark),
                edges,
                out_dir,
                flags=flags,
                owners=owners,
                accounts=accounts,
                fmt=fmt,
                flagged=chosen,
            )
        return count_graph(
            edges, out_dir, flags=flags, owners=owners, accounts=accounts, fmt=fmt, flagged=chosen
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
