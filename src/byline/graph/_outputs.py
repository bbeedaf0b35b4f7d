"""What a count writes: counts, owners, rejects, the summary, and the filled-in snapshot.

Each file is written beside its final name and moved into place, so a reader never sees half a
file; a file that cannot be written is named with the reason (``GraphOutputError``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq
from numpy.typing import NDArray

from byline.engine import csv_header
from byline.graph._files import GraphFileError, file_format

COUNTS = "counts.parquet"
OWNERS = "owners.parquet"
SUMMARY = "summary.json"
REJECTS = "rejects.csv"
ACCOUNTS = "accounts.parquet"
# A snapshot's JSON value that is no column's value.
NOT_A_VALUE = "a snapshot's values are numbers, text, true/false or null, not lists or objects"
# A snapshot's JSONL column whose values are of more than one kind.
ONE_KIND = "a JSONL column holds one kind of value: numbers, text or true/false (or null)"


class ValueKind(StrEnum):
    """The kinds of a snapshot's JSON value, as errors name them (the order: Spark's check)."""

    TEXT = "text"
    TRUE_FALSE = "true/false"
    NUMBER = "a number"
    NESTED = "a list or an object"


# The columns of the snapshot that a count fills in (added when the snapshot lacks them).
FILLED = ("followers", "effective_followers", "owner_followers")

COUNTS_SCHEMA = pa.schema(
    [
        ("followers", pa.int64()),
        ("effective_followers", pa.int64()),
        ("owner_ref", pa.string()),
    ]
)
OWNERS_SCHEMA = pa.schema(
    [
        ("owner_ref", pa.string()),
        ("accounts", pa.int64()),
        ("owner_followers", pa.int64()),
        ("max_account_followers", pa.int64()),
    ]
)


class GraphOutputError(OSError):
    """An output file that could not be written: which file, and why."""


@contextmanager
def staged(path: Path) -> Iterator[Path]:
    """A path to write ``path``'s content to; moved into place when the block succeeds."""
    partial = path.with_name(path.name + ".partial")
    try:
        yield partial
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise GraphOutputError(f"{path}: cannot be written: {exc.strerror or exc}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def prepare(out_dir: Path) -> None:
    """Make ``out_dir``, and remove what an earlier count left there: a file this count does not
    write (no ``--owners`` this time, say) must not pass for its output."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name in (COUNTS, OWNERS, SUMMARY, REJECTS, ACCOUNTS):
            (out_dir / name).unlink(missing_ok=True)
    except OSError as exc:
        raise GraphOutputError(f"{out_dir}: cannot be written: {exc.strerror or exc}") from None


def write_parquet(path: Path, table: pa.Table) -> None:
    with staged(path) as partial:
        pq.write_table(table, partial, compression="zstd", compression_level=1)


def counts_table(
    ids: pa.Array,
    followers: NDArray[np.int64],
    effective: NDArray[np.int64],
    owner_ref: pa.Array,
) -> pa.Table:
    """``account_id`` (as the edge list has it), ``followers``, ``effective_followers``,
    ``owner_ref``; ordered by ``account_id``."""
    table = pa.Table.from_arrays(
        [ids, pa.array(followers), pa.array(effective), owner_ref],
        schema=pa.schema([("account_id", ids.type), *COUNTS_SCHEMA]),
    )
    if pa.types.is_string(ids.type):
        table = table.take(pc.sort_indices(ids))
    return table


def owners_table(
    owner_ref: pa.Array,
    accounts: NDArray[np.int64],
    owner_followers: NDArray[np.int64],
    maxima: NDArray[np.int64],
) -> pa.Table:
    table = pa.Table.from_arrays(
        [owner_ref, pa.array(accounts), pa.array(owner_followers), pa.array(maxima)],
        schema=OWNERS_SCHEMA,
    )
    return table.take(pc.sort_indices(owner_ref)) if len(owner_ref) else table


def write_rejects(path: Path, rows: list[NDArray[np.int64]], reasons: list[str]) -> None:
    """``row`` (1-based, the file's data rows) and ``reason``, in file order."""
    row = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    table = pa.table({"row": pa.array(row, pa.int64()), "reason": pa.array(reasons, pa.string())})
    with staged(path) as partial:
        pacsv.write_csv(table, partial)


def write_summary(path: Path, summary: dict[str, Any]) -> None:
    with staged(path) as partial:
        partial.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


def read_snapshot(path: Path, fmt: str | None = None) -> pa.Table:
    """The whole snapshot, every column typed as its file types it: a Parquet file's own types;
    a CSV file's fields as text, as written (a CSV has no types: ``007`` stays ``007``, an empty
    field ``''``); a JSONL file's values by JSON's types (whole numbers int64, other numbers
    double, true/false boolean, strings text, a column of nulls only text). The Spark engine
    reads a snapshot by the same contract."""
    fmt = file_format(path, fmt)
    try:
        if fmt == "parquet":
            table = pq.read_table(path)
        elif fmt == "csv":
            text = dict.fromkeys(csv_header(path), pa.string())
            options = pacsv.ConvertOptions(column_types=text, strings_can_be_null=False)
            table = pacsv.read_csv(path, convert_options=options)
        else:
            table = _json_snapshot(path)
    except (pa.ArrowException, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise GraphFileError(f"{path}: not a readable {fmt} snapshot: {first}") from None
    if "account_id" not in table.column_names:
        raise GraphFileError(
            f"{path}: missing required column account_id "
            f"(found: {', '.join(sorted(table.column_names)) or 'none'})"
        )
    return table


def _json_snapshot(path: Path) -> pa.Table:
    """JSON's own types only: Arrow would take text that looks like a time for a timestamp."""
    try:
        table = pajson.read_json(path)
    except pa.ArrowInvalid as exc:
        if "changed from" in str(exc):  # a column of two kinds: named by its rows
            raise mixed_kinds(path) or exc from None
        raise
    times = [f.name for f in table.schema if pa.types.is_timestamp(f.type)]
    if times:
        options = pajson.ParseOptions(
            explicit_schema=pa.schema([pa.field(n, pa.string()) for n in times]),
            unexpected_field_behavior="infer",
        )
        table = pajson.read_json(path, parse_options=options).select(table.column_names)
    for field in table.schema:
        if pa.types.is_nested(field.type):
            raise GraphFileError(f"{path}: {field.name}: {NOT_A_VALUE}")
        if pa.types.is_null(field.type):
            table = with_column(table, field.name, pa.nulls(table.num_rows, pa.string()))
    return table


def value_kind(value: object) -> str | None:
    """The kind of a JSON value as a snapshot's column holds it (None: null, or no value)."""
    if isinstance(value, bool):
        return ValueKind.TRUE_FALSE
    if isinstance(value, (int, float)):
        return ValueKind.NUMBER
    if isinstance(value, str):
        return ValueKind.TEXT
    if isinstance(value, (list, dict)):
        return ValueKind.NESTED
    return None


def mixed_kinds(path: Path) -> GraphFileError | None:
    """The first row (line) of a JSONL file whose value in a column is of another kind than the
    column's first value, as an error naming both rows; None if there is none."""
    first: dict[str, tuple[str, int]] = {}
    with path.open("rb") as lines:
        for row, line in enumerate(lines, 1):
            try:
                record = orjson.loads(line) if line.strip() else None
            except orjson.JSONDecodeError:
                return None  # not JSON: the reader's own error says so
            if not isinstance(record, dict):
                continue
            for column, value in record.items():
                kind = value_kind(value)
                if kind is None:
                    continue
                seen, at = first.setdefault(column, (kind, row))
                if seen != kind:
                    return GraphFileError(
                        f"{path}: row {row}: {column}: {kind}, where row {at} has {seen}; "
                        f"{ONE_KIND}"
                    )
    return None


def filled(snapshot: pa.Table, values: dict[str, NDArray[np.int64]]) -> pa.Table:
    """``snapshot`` with each of ``values`` in place of its column (or appended), row order kept."""
    table = snapshot
    for name in FILLED:
        table = with_column(table, name, pa.array(values[name], pa.int64()))
    return table


def with_column(table: pa.Table, name: str, column: pa.Array) -> pa.Table:
    """``table`` with ``column`` in place of its column ``name``, or appended."""
    if name in table.column_names:
        return table.set_column(table.column_names.index(name), name, column)
    return table.append_column(name, column)
