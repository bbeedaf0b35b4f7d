"""One chunk's draws as an Arrow table; strings are built by Arrow compute, never row by row."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from byline.synth._draw import CATEGORIES, KINDS, Draws
from byline.synth._profile import Profile

ID_DIGITS = 12  # room for 10**12 accounts
OWNER_INFIX = "owner-"

# Handles: a word and a number unique to the row, so handles are unique without a lookup. The
# number is the row number under an odd multiplier modulo 2**40, a bijection on [0, 2**40).
_HANDLE_BITS = 40
_HANDLE_MUL = np.uint64(0x9E3779B97F4A7C15)
_HANDLE_ADD = np.uint64(0x2545F4914F)


def schema(profile: Profile) -> pa.Schema:
    return pa.schema(
        [
            pa.field("account_id", pa.string(), nullable=False),
            pa.field("kind", pa.string(), nullable=False),
            pa.field("category", pa.string(), nullable=False),
            *(pa.field(name, pa.int64(), nullable=False) for name in profile.metric_names),
            pa.field("handle", pa.string(), nullable=False),
            pa.field("created_at", pa.date32(), nullable=False),
            pa.field("owner_ref", pa.string(), nullable=True),
        ]
    )


def _numbered(prefix: str, numbers: pa.Array) -> pa.Array:
    padded = pc.utf8_lpad(pc.cast(numbers, pa.string()), width=ID_DIGITS, padding="0")
    return pc.binary_join_element_wise(prefix, padded, "")


def _handles(profile: Profile, draws: Draws, rows: int) -> pa.Array:
    rownum = np.arange(draws.start, draws.start + rows, dtype=np.uint64)
    mask = np.uint64((1 << _HANDLE_BITS) - 1)
    with np.errstate(over="ignore"):
        scrambled: NDArray[np.uint64] = (rownum * _HANDLE_MUL + _HANDLE_ADD) & mask
    words = pa.array(profile.population.handle_words, pa.string()).take(pa.array(draws.handle_word))
    return pc.binary_join_element_wise(words, pc.cast(pa.array(scrambled), pa.string()), "_")


def to_table(profile: Profile, draws: Draws) -> pa.Table:
    rows = draws.organization.shape[0]
    account_id = _numbered(
        profile.id_prefix, pa.array(np.arange(draws.start, draws.start + rows, dtype=np.int64))
    )
    kind = pa.array([str(k) for k in KINDS], pa.string()).take(
        pa.array(draws.organization.astype(np.int8))
    )
    category = pa.array([str(c) for c in CATEGORIES], pa.string()).take(pa.array(draws.category))
    owner_ref = _numbered(
        profile.id_prefix + OWNER_INFIX, pa.array(draws.owner, mask=draws.owner < 0)
    )
    columns = [
        account_id,
        kind,
        category,
        *(pa.array(draws.metrics[name]) for name in profile.metric_names),
        _handles(profile, draws, rows),
        pa.array(draws.created_days).cast(pa.date32()),
        owner_ref,
    ]
    return pa.Table.from_arrays(columns, schema=schema(profile))
