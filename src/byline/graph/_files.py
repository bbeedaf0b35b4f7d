"""Reading the graph's files: the edge list, the flags and the owners, in any snapshot format.

Every reader returns Arrow columns and nothing per row in Python. Ids are kept as the file has
them: integers as ``int64``, anything else as text; when one file's two id columns disagree
(integers in one, text in the other) both are read as text, the way a snapshot reads an id.
A missing id is ``null``, or ``''`` in a text column.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from byline.engine import FORMATS, format_by_suffix

EDGE_COLUMNS = ("follower_id", "followee_id")
FLAG_COLUMNS = ("account_id", "flag")
OWNER_COLUMNS = ("account_id", "owner_ref")
# A canonical whole number (no sign on zero, no leading zeros): text that is an integer id.
_WHOLE = r"^(0|-?[1-9][0-9]{0,17})$"


class GraphFileError(Exception):
    """A graph file that cannot be read at all: no such file, wrong format, missing column."""


@dataclass(frozen=True)
class Columns:
    """Named columns of one file, in file order (row ``i`` is the file's row ``i + 1``)."""

    path: Path
    format: str
    columns: dict[str, pa.ChunkedArray]

    @property
    def rows(self) -> int:
        return len(next(iter(self.columns.values())))

    def __getitem__(self, name: str) -> pa.ChunkedArray:
        return self.columns[name]


def file_format(path: Path, fmt: str | None) -> str:
    """The format named, or the one the file's suffix says."""
    if not path.exists():
        raise GraphFileError(f"{path}: no such file")
    if path.is_dir():
        raise GraphFileError(f"{path}: is a folder; give the file inside it")
    found = fmt or format_by_suffix(path)
    if found not in FORMATS:
        raise GraphFileError(
            f"{path}: cannot tell the format from the name; use a .parquet, .csv or .jsonl file "
            "(or say which format)"
        )
    return found


def read_columns(
    path: Path, names: tuple[str, ...], fmt: str | None = None, *, ids: tuple[str, ...] = ()
) -> Columns:
    """Read ``names`` from ``path``; the ``ids`` among them share one type (see the module)."""
    fmt = file_format(path, fmt)
    try:
        if fmt == "parquet":
            columns = _parquet(path, names)
        elif fmt == "csv":
            columns = _csv(path, names)
        else:
            columns = _jsonl(path, names)
    except (pa.ArrowException, duckdb.Error, OSError) as exc:
        raise GraphFileError(f"{path}: not a readable {fmt} file: {_first_line(exc)}") from None
    for name in names:
        if name not in ids:
            columns[name] = _as_text(columns[name])
    if ids:
        _same_id_type(columns, ids, text_means_int=fmt != "parquet")
    return Columns(path, fmt, columns)


def _parquet(path: Path, names: tuple[str, ...]) -> dict[str, pa.ChunkedArray]:
    present = pq.read_schema(path).names
    _require(path, present, names)
    table = pq.read_table(path, columns=list(names), use_threads=True)
    return {n: table.column(n) for n in names}


def _csv(path: Path, names: tuple[str, ...]) -> dict[str, pa.ChunkedArray]:
    with path.open("rb") as f:
        header = pacsv.open_csv(f).schema.names
    _require(path, header, names)
    table = pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            include_columns=list(names),
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=False,
        ),
    )
    return {n: table.column(n) for n in names}


def _jsonl(path: Path, names: tuple[str, ...]) -> dict[str, pa.ChunkedArray]:
    # Each line is read as text, then as JSON, so a line that is not an object is a row with
    # missing fields (rejected with its row number), never a failed file.
    literal = "'" + str(path).replace("'", "''") + "'"
    lines = (
        f"read_csv({literal}, columns={{'line': 'VARCHAR'}}, header=false, delim='\\x1e', "
        "quote='', escape='', auto_detect=false, parallel=false)"
    )
    is_object = "CASE WHEN json_valid(line) THEN json_type(line) = 'OBJECT' ELSE false END"
    fields = ", ".join(
        f"json_extract_string(CASE WHEN {is_object} THEN line END, '$.{n}') AS {n}" for n in names
    )
    con = duckdb.connect()
    try:
        present = {
            k
            for (k,) in con.sql(
                f"SELECT DISTINCT unnest(json_keys(line)) FROM (SELECT line FROM {lines} "
                f"WHERE {is_object} LIMIT 1000)"
            ).fetchall()
        }
        ((lines_read,),) = con.sql(f"SELECT count(*) FROM {lines}").fetchall()
        if not present and lines_read == 0:
            return {n: pa.chunked_array([], pa.string()) for n in names}  # no lines: no rows
        _require(path, sorted(present), names)
        table = con.sql(f"SELECT {fields} FROM {lines}").arrow()
    finally:
        con.close()
    if isinstance(table, pa.RecordBatchReader):
        table = table.read_all()
    return {n: table.column(n) for n in names}


def _require(path: Path, present: list[str], names: tuple[str, ...]) -> None:
    missing = [n for n in names if n not in present]
    if missing:
        raise GraphFileError(
            f"{path}: missing required column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} (found: {', '.join(sorted(present)) or 'none'})"
        )


def _same_id_type(
    columns: dict[str, pa.ChunkedArray], ids: tuple[str, ...], *, text_means_int: bool
) -> None:
    """Integer ids as ``int64`` when every id column holds integers, else all as text."""
    kinds = {n: _id_kind(columns[n], text_means_int) for n in ids}
    if all(k == "int" for k in kinds.values()):
        for n in ids:
            column = columns[n]
            if not pa.types.is_integer(column.type):  # canonical text: '' is missing
                column = _as_text(column)
                column = pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)
            columns[n] = pc.cast(column, pa.int64())
    else:
        for n in ids:
            columns[n] = _as_text(columns[n])


def _id_kind(column: pa.ChunkedArray, text_means_int: bool) -> str:
    kind = column.type
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    if pa.types.is_integer(kind):
        return "int" if kind != pa.uint64() else "text"
    if text_means_int and (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        # A text file has no types: its ids are integers when every present one is canonical.
        present = pc.drop_null(column)
        present = present.filter(pc.not_equal(present, ""))
        if len(present) and pc.all(pc.match_substring_regex(present, _WHOLE)).as_py():
            return "int"
        return "text" if len(present) else "int"
    return "text"


def _as_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_dictionary(column.type):
        column = pc.cast(column, column.type.value_type)
    if pa.types.is_string(column.type):
        return column
    return pc.cast(column, pa.string())


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# Edges read and counted at a time: every temporary array of a batch stays at or under 16 MiB,
# so the allocator reuses its memory rather than mapping (and faulting in) fresh pages.
BATCH_ROWS = 1 << 21
# Integer ids are used directly as dense ids up to max(2 x edges, this); see ``_ids``.
SMALL_IDS = 1 << 24


def parquet_direct(
    path: Path, fmt: str | None, batch_rows: int = BATCH_ROWS
) -> tuple[int, Iterator[pa.RecordBatch]] | None:
    """The fast way for a Parquet edge list whose statistics say its integer ids are small.

    Returns the dense id space's size and the batches, read ahead by one on another thread
    (Arrow decodes while numpy counts); ``None`` when the file does not qualify. Statistics only
    size the count arrays: every id read is still checked (``_ids.check_direct``).
    """
    if file_format(path, fmt) != "parquet":
        return None
    try:
        meta = pq.ParquetFile(path).metadata
    except (pa.ArrowException, OSError):
        return None
    schema = meta.schema.to_arrow_schema()
    if not all(
        n in schema.names and pa.types.is_integer(schema.field(n).type) for n in EDGE_COLUMNS
    ):
        return None
    top = -1
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for i in range(group.num_columns):
            column = group.column(i)
            if column.path_in_schema not in EDGE_COLUMNS or not group.num_rows:
                continue
            stats = column.statistics
            if stats is None or (not stats.has_min_max and stats.null_count != group.num_rows):
                return None
            if stats.has_min_max:
                if stats.min < 0:
                    return None
                top = max(top, int(stats.max))
    if top >= max(2 * meta.num_rows, SMALL_IDS):
        return None
    return top + 1, _read_ahead(path, batch_rows)


def _read_ahead(path: Path, batch_rows: int) -> Iterator[pa.RecordBatch]:
    reader = pq.ParquetFile(path, pre_buffer=True)
    batches = reader.iter_batches(batch_size=batch_rows, columns=list(EDGE_COLUMNS))
    with ThreadPoolExecutor(max_workers=1) as pool:
        ahead = pool.submit(next, batches, None)
        while True:
            batch = ahead.result()
            if batch is None:
                return
            ahead = pool.submit(next, batches, None)
            yield batch
