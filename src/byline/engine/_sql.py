"""Small SQL helpers the engine's steps share."""

from __future__ import annotations

from pathlib import Path

import duckdb


def count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


def sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def parquet_files(path: Path) -> str:
    """What ``read_parquet`` reads for an output, as quoted SQL text: the file, or every Parquet
    part file of a folder (as Spark writes one). Every reader of an output goes through it."""
    target = str(path / "*.parquet") if path.is_dir() else str(path)
    return "'" + target.replace("'", "''") + "'"
