"""Small SQL helpers the engine's steps share."""

from __future__ import annotations

from pathlib import Path

import duckdb


def count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


def sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
