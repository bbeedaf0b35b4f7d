"""Dense ids: every account of the graph as a number ``0 .. size - 1``, so counting is indexing.

Three ways, chosen from what the edge list holds:
- ``direct``: integer ids that are small and non-negative (at most ``max(2 * edges, 2**24)``)
  are their own dense ids: nothing is hashed or sorted, and the counts come out in id order;
- ``sorted``: other integer ids are replaced by their rank among the distinct ids (one sort);
- ``text``: text ids are dictionary-encoded, both columns into one dictionary (one hash pass).
Missing ids (null, or ``''`` as text) become ``-1``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from byline.graph._files import SMALL_IDS

Dense = NDArray[np.int64]
# Dense ids are packed two to a 64-bit key; the embedded engine counts graphs up to this size.
MAX_ACCOUNTS = 1 << 32


@dataclass(frozen=True)
class IdSpace:
    """How ids of one graph map to dense ids and back."""

    way: str  # direct | sorted | text
    size: int
    values: pa.Array | None = None  # sorted: the distinct ids; text: the dictionary
    integer: bool = True

    def ids(self, dense: NDArray[np.int64]) -> pa.Array:
        """The file's ids of ``dense`` ids."""
        if self.way == "direct":
            return pa.array(dense, pa.int64())
        assert self.values is not None
        return self.values.take(pa.array(dense))

    def lookup(self, ids: pa.ChunkedArray) -> Dense:
        """Dense ids of ``ids`` (accounts of a flags or owners file); -1 where not in the graph."""
        ids = _like(ids, self.integer)
        if self.way == "text":
            assert self.values is not None
            found = pc.index_in(ids, value_set=self.values)
            return _numpy(found)
        values = _numpy(ids)
        if self.way == "direct":
            return np.where((values >= 0) & (values < self.size), values, -1)
        assert self.values is not None
        uniq = self.values.to_numpy()
        pos = np.minimum(np.searchsorted(uniq, values), max(len(uniq) - 1, 0))
        hit = ids.is_valid().to_numpy(zero_copy_only=False)
        if len(uniq):
            hit &= uniq[pos] == values
        else:
            hit[:] = False
        return np.where(hit, pos, -1)


def encode(batches: list[pa.RecordBatch], names: tuple[str, str]) -> tuple[IdSpace, list[Dense]]:
    """The id space of the two id columns of ``batches`` and each column of each batch encoded.

    The result lists, per batch, the first column's dense ids then the second's.
    """
    columns = [b.column(n) for b in batches for n in names]
    if not columns or pa.types.is_integer(columns[0].type):
        return _integers(columns, sum(b.num_rows for b in batches))
    return _text(columns)


def _integers(columns: list[pa.Array], edges: int) -> tuple[IdSpace, list[Dense]]:
    lows, highs = [], []
    for column in columns:
        bounds = pc.min_max(column)
        if bounds["min"].is_valid:
            lows.append(bounds["min"].as_py())
            highs.append(bounds["max"].as_py())
    if not lows:
        return IdSpace("direct", 0), [_numpy(c) for c in columns]
    if min(lows) >= 0 and max(highs) < max(2 * edges, SMALL_IDS):
        return IdSpace("direct", max(highs) + 1), [_numpy(c) for c in columns]
    present = [_numpy(c, _MISSING_SENTINEL) for c in columns]
    uniq = np.unique(np.concatenate([p[p != _MISSING_SENTINEL] for p in present]))
    _check_size(len(uniq))
    dense = [_rank(uniq, p) for p in present]
    return IdSpace("sorted", len(uniq), pa.array(uniq, pa.int64())), dense


# Missing integer ids are read as this value before ranking (an id of a file could be -1).
_MISSING_SENTINEL = np.iinfo(np.int64).min


def _rank(uniq: NDArray[np.int64], values: NDArray[np.int64]) -> Dense:
    dense: Dense = np.searchsorted(uniq, values).astype(np.int64)
    dense[values == _MISSING_SENTINEL] = -1
    return dense


def _text(columns: list[pa.Array]) -> tuple[IdSpace, list[Dense]]:
    encoded = pc.dictionary_encode(pa.chunked_array(columns, type=columns[0].type))
    dictionary = encoded.chunks[-1].dictionary if encoded.num_chunks else pa.array([], pa.string())
    empty = pc.index(dictionary, "").as_py()
    _check_size(len(dictionary))
    dense = []
    for chunk in encoded.chunks:
        ids = chunk.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        if empty >= 0:
            ids[ids == empty] = -1
        dense.append(ids)
    return IdSpace("text", len(dictionary), dictionary, integer=False), dense


def _numpy(column: pa.Array | pa.ChunkedArray, missing: int = -1) -> Dense:
    """An integer column as int64 numpy, missing values as ``missing`` (no copy without any)."""
    if column.null_count:
        column = column.fill_null(missing)
    values = column.to_numpy() if isinstance(column, pa.ChunkedArray) else column.to_numpy(False)
    dense: Dense = values.astype(np.int64, copy=False)
    return dense


def _like(ids: pa.ChunkedArray, integer: bool) -> pa.ChunkedArray:
    """Ids of another file in the graph's id type; an id that cannot be one is left out (null)."""
    if pa.types.is_dictionary(ids.type):
        ids = pc.cast(ids, ids.type.value_type)
    if integer == pa.types.is_integer(ids.type):
        return pc.cast(ids, pa.int64()) if integer else ids
    if not integer:
        return pc.cast(ids, pa.string())
    text = pc.cast(ids, pa.string())
    whole = pc.match_substring_regex(text, r"^(0|-?[1-9][0-9]{0,17})$")
    return pc.cast(pc.if_else(whole, text, pa.scalar(None, pa.string())), pa.int64())


def _check_size(size: int) -> None:
    if size >= MAX_ACCOUNTS:
        raise ValueError(
            f"the graph has {size:,} distinct accounts; the embedded engine counts up to "
            f"{MAX_ACCOUNTS - 1:,}"
        )
