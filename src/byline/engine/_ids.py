"""A Parquet snapshot's account ids read once, by Arrow: each present and unique, proven in order.

An id column is most of what reading a snapshot costs (100M ids of 18 characters: about 70% of
DuckDB reading every column the decision needs). DuckDB then pays as much again to compare each
id with the one before it (``lag`` copies every string). So when a Parquet file's ids look
ordered, the engine splits the work by column: DuckDB validates and decides every row from the
other columns, and this module reads the id column alone, in batches, with Arrow's compute
kernels checking that every id is present, not empty, and greater than the one read before it.
When that holds for the whole file, no id can appear twice, and the ids of the rows DuckDB kept
are taken from the same batches. When it does not (a missing or empty id, one out of order, a
column Arrow cannot compare, a file Arrow reads differently), the answer is None and the engine
checks the ids its other ways; nothing is decided on what was only hoped.

Row groups are read in parallel, one per worker at a time; each worker compares the last id of
a row group with the first of the next, so the proof covers the joins. No Python object is
made per row: only the first and last id of each batch become Python values.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

BATCH_ROWS = 1 << 16  # 100M ids: 1.8 s in batches of 64K rows, 2.2 s in batches of 1M
COLUMN = "account_id"
_TAKEN = pa.schema([("_row", pa.int64()), (COLUMN, pa.string())])


def comparable(path: Path, row_groups: tuple[int, ...]) -> bool:
    """Whether Arrow reads the file's id column as text or integers, in these row groups."""
    try:
        meta = pq.ParquetFile(path).metadata
        field = meta.schema.to_arrow_schema().field(COLUMN)
    except (KeyError, OSError, pa.ArrowException):
        return False
    groups = tuple(meta.row_group(i).num_rows for i in range(meta.num_row_groups))
    kind = field.type
    text = pa.types.is_string(kind) or pa.types.is_large_string(kind)
    return groups == row_groups and (text or pa.types.is_integer(kind))


def ascending_ids(
    path: Path,
    row_groups: tuple[int, ...],
    wanted: np.ndarray,
    threads: int,
    progress: Callable[[float], None] | None = None,
) -> pa.Table | None:
    """``(_row, account_id)`` for the 1-based rows in ``wanted`` (sorted), as text; or None.

    None unless every id of the file is present, not empty and greater than the id before it.
    """
    starts = np.concatenate(([0], np.cumsum(row_groups, dtype=np.int64)))
    failed = threading.Event()
    lock = threading.Lock()
    done = [0]

    def group(i: int) -> tuple[Any, Any, list[pa.RecordBatch]] | None:
        if failed.is_set():
            return None
        found = _check_group(path, i, int(starts[i]), wanted, failed)
        with lock:
            done[0] += 1
            if progress is not None:
                progress(done[0] / len(row_groups))
        if found is None:
            failed.set()
        return found

    with ThreadPoolExecutor(max(1, threads)) as pool:
        results = list(pool.map(group, range(len(row_groups))))
    if failed.is_set():
        return None
    edges = [(first, last) for first, last, _ in (r for r in results if r) if first is not None]
    if any(a[1] >= b[0] for a, b in itertools.pairwise(edges)):
        return None  # two row groups did not join in order
    if edges and isinstance(edges[0][0], str) and edges[0][0] == "":
        return None  # only the first id can be empty, the smallest text there is
    return pa.Table.from_batches([b for r in results if r for b in r[2]], schema=_TAKEN)


def _check_group(
    path: Path, index: int, start: int, wanted: np.ndarray, failed: threading.Event
) -> tuple[Any, Any, list[pa.RecordBatch]] | None:
    """One row group: (first id, last id, the wanted rows' ids), or None if out of order."""
    first = last = None
    taken: list[pa.RecordBatch] = []
    offset = start  # rows of the file before this batch
    try:
        batches = pq.ParquetFile(path).iter_batches(
            batch_size=BATCH_ROWS, row_groups=[index], columns=[COLUMN], use_threads=False
        )
        for batch in batches:
            if failed.is_set():
                return None
            ids = batch.column(0)
            n = len(ids)
            if n == 0:
                continue
            if ids.null_count:
                return None
            head, tail = ids[0].as_py(), ids[n - 1].as_py()
            if last is not None and not last < head:
                return None
            # No nulls here, so none in the comparison either. (Counting its false values is
            # also cheaper to start than ``pc.all``, whose first call costs 0.24 s.)
            if n > 1 and pc.less(ids.slice(0, n - 1), ids.slice(1)).false_count:
                return None
            if first is None:
                first = head
            last = tail
            lo, hi = np.searchsorted(wanted, [offset + 1, offset + n + 1])
            if hi > lo:
                rows = wanted[lo:hi]
                values = pc.take(ids, _int64s(rows - offset - 1))
                if not pa.types.is_string(values.type):
                    values = pc.cast(values, pa.string())
                taken.append(pa.RecordBatch.from_arrays([_int64s(rows), values], schema=_TAKEN))
            offset += n
    except (OSError, pa.ArrowException):
        return None  # DuckDB reads it the other way, and says what is wrong
    return first, last, taken


def _int64s(values: np.ndarray) -> pa.Array:
    """An Arrow array over ``values``' memory. (``pa.array`` would first import pandas, to see
    whether it was given a pandas object: 0.3 s on the first call.)"""
    values = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(values)])
