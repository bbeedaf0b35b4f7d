"""Streaming writers: one chunk at a time to Parquet, CSV or JSON Lines."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

FORMATS: dict[str, str] = {
    "parquet": "accounts.parquet",
    "csv": "accounts.csv",
    "jsonl": "accounts.jsonl",
}


class ChunkWriter(Protocol):
    def write(self, table: pa.Table) -> None: ...

    def close(self) -> None: ...


class _Parquet:
    def __init__(self, path: Path, schema: pa.Schema, row_group_rows: int) -> None:
        self._rows = row_group_rows
        self._writer = pq.ParquetWriter(path, schema, compression="zstd", compression_level=1)

    def write(self, table: pa.Table) -> None:
        self._writer.write_table(table, row_group_size=self._rows)

    def close(self) -> None:
        self._writer.close()


class _Csv:
    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self._writer = pacsv.CSVWriter(path, schema)

    def write(self, table: pa.Table) -> None:
        self._writer.write_table(table)

    def close(self) -> None:
        self._writer.close()


class _JsonLines:
    """One JSON object per line, built column-wise with Arrow string kernels.

    Every string the generator makes is drawn from validated alphabets (ids, handles, vocabulary
    words), so none needs escaping; dates are written as ``"YYYY-MM-DD"``.
    """

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self._schema = schema
        self._file: BinaryIO = path.open("wb")

    def write(self, table: pa.Table) -> None:
        parts: list[pa.Array | str] = []
        for i, field in enumerate(self._schema):
            column = table.column(i).combine_chunks()
            opener = "{" if i == 0 else ","
            if pa.types.is_integer(field.type):
                parts += [f'{opener}"{field.name}":', pc.cast(column, pa.string())]
                continue
            text = pc.cast(column, pa.string()) if pa.types.is_date(field.type) else column
            quoted = pc.binary_join_element_wise('"', text, '"', "")
            parts += [f'{opener}"{field.name}":', pc.coalesce(quoted, "null")]
        lines = pc.binary_join_element_wise(*parts, "}\n", "")
        self._file.write(_concatenated(lines))

    def close(self) -> None:
        self._file.close()


def _concatenated(strings: pa.Array) -> memoryview:
    """The bytes of every element of a string array, back to back, without copying."""
    offsets = np.frombuffer(
        strings.buffers()[1], dtype=np.int32, count=len(strings) + 1, offset=4 * strings.offset
    )
    return memoryview(strings.buffers()[2])[int(offsets[0]) : int(offsets[-1])]


def open_writer(fmt: str, path: Path, schema: pa.Schema, row_group_rows: int) -> ChunkWriter:
    if fmt == "parquet":
        return _Parquet(path, schema, row_group_rows)
    if fmt == "csv":
        return _Csv(path, schema)
    if fmt == "jsonl":
        return _JsonLines(path, schema)
    raise ValueError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
