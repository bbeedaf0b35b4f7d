"""Factories for domain objects and snapshot files used across the tests."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from byline.domain import Account, AccountKind, Category


def account(
    account_id: str = "a1", kind: str = "individual", category: str = "finance", **metrics: int
) -> Account:
    return Account(account_id, AccountKind(kind), Category(category), metrics or {"followers": 0})


def rows_of(accounts: Iterable[Account]) -> list[dict[str, Any]]:
    return [
        {
            "account_id": a.account_id,
            "kind": a.kind.value,
            "category": a.category.value,
            **dict(a.metrics),
        }
        for a in accounts
    ]


def write_snapshot(path: Path, rows: list[Mapping[str, Any]], fmt: str | None = None) -> Path:
    """Write rows as a snapshot file in the format named by ``fmt`` or by the file's suffix."""
    fmt = fmt or path.suffix.lstrip(".")
    if fmt == "jsonl":
        path.write_text("".join(json.dumps(dict(r)) + "\n" for r in rows))
        return path
    columns: dict[str, list[Any]] = {}
    for r in rows:
        for key in r:
            columns.setdefault(key, [])
    for r in rows:
        for key, values in columns.items():
            values.append(r.get(key))
    table = pa.table(columns) if rows else pa.table({"account_id": pa.array([], pa.string())})
    if fmt == "parquet":
        pq.write_table(table, path)
    elif fmt == "csv":
        pacsv.write_csv(table, path)
    else:
        raise ValueError(fmt)
    return path
