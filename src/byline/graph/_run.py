"""``count_graph``: an edge list (and its flags and owners) in, the count's files out."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from byline.graph import _outputs as outputs
from byline.graph._count import Result, Tally, Unordered, account_maxima, reject_rows
from byline.graph._files import (
    BATCH_ROWS,
    EDGE_COLUMNS,
    FLAG_COLUMNS,
    OWNER_COLUMNS,
    GraphFileError,
    parquet_direct,
    read_columns,
)
from byline.graph._ids import IdSpace, encode

DEFAULT_FLAGGED = frozenset({"bot", "inactive", "banned"})
ENGINE = "embedded"
# How each engine found repeated pairs: in the file's order, by sorting keys, by grouping (Spark).
_REPEATS_FOUND = {"kept": "in file order", "sorted": "by sorting", "grouped": "by grouping"}


@dataclass(frozen=True)
class Owners:
    """The owners file: owner numbers, names (``owner_ref``) and each owner's account count."""

    names: pa.Array  # owner number -> owner_ref
    accounts: NDArray[np.int64]  # owner number -> distinct accounts listed
    account_ids: pa.ChunkedArray  # one per distinct (account, owner) listed
    owner_of_account: NDArray[np.int64]  # aligned with account_ids


@dataclass
class CountReport:
    """What a count did: row tallies that reconcile, the files written, seconds per step."""

    out_dir: Path
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    follows: int = 0  # distinct (follower, followee) pairs
    accounts_followed: int = 0
    flagged_accounts: int = 0
    owners: int = 0
    ids: str = ""
    order: str = ""  # kept: repeats found in the file's order; sorted: by sorting every key
    engine: str = ENGINE  # which engine counted: embedded, or spark (byline.spark)
    seconds: dict[str, float] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "read": self.read,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
            "follows": self.follows,
            "accounts_followed": self.accounts_followed,
            "flagged_accounts": self.flagged_accounts,
            "owners": self.owners,
            "ids": self.ids,
            "repeats_found": _REPEATS_FOUND.get(self.order, "by sorting"),
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
            "files": self.files,
        }

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        began = time.perf_counter()
        yield
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - began


def count_graph(
    edges: Path,
    out_dir: Path,
    *,
    flags: Path | None = None,
    owners: Path | None = None,
    accounts: Path | None = None,
    fmt: str | None = None,
    flagged: frozenset[str] = DEFAULT_FLAGGED,
    batch_rows: int = BATCH_ROWS,
) -> CountReport:
    """Count every account's distinct, effective and owner-level followers; write the files.

    ``fmt`` names the format of the edge list (otherwise its suffix does); the flags, owners
    and snapshot files are read by their suffixes. ``batch_rows``: edges counted at a time
    (the memory a batch takes; tests make it small so that batches meet often).
    """
    out_dir = Path(out_dir)
    outputs.prepare(out_dir)
    report = CountReport(out_dir)
    began = time.perf_counter()
    counted = None
    for ordered in (True, False):
        found = parquet_direct(Path(edges), fmt, batch_rows)
        if found is None:
            break
        try:
            space, batches = IdSpace("direct", found[0]), _checked(found[0], found[1])
            counted = _count(
                report, space, batches, (flags, owners), flagged, "read_count", ordered=ordered
            )
            break
        except Unordered:  # not grouped as a dump is: read again, keeping every key
            report = CountReport(out_dir)
        except _NotDirect:  # the statistics were wrong: count the general way
            report = CountReport(out_dir)
            break
    if counted is None:
        with report.step("read"):
            columns = read_columns(Path(edges), EDGE_COLUMNS, fmt, ids=EDGE_COLUMNS)
            table = pa.table(columns.columns)
            del columns
            grouped = _regroup(table.to_batches(max_chunksize=batch_rows), batch_rows)
            del table
        with report.step("ids"):
            space, dense = encode(grouped, EDGE_COLUMNS)
            sizes = [b.num_rows for b in grouped]
            del grouped
        batches = _encoded(sizes, dense, maybe_missing=True)
        counted = _count(report, space, batches, (flags, owners), flagged, "count", ordered=False)
    result, owned, owner_of, rows, reasons = counted
    report.rejected = len(reasons)
    report.accepted = report.read - report.rejected
    report.duplicates = result.duplicates
    report.follows = report.accepted - report.duplicates
    with report.step("write"):
        _write(
            report,
            space,
            result.followers,
            result.effective,
            owner_of,
            owned,
            result.owner_followers,
            rows,
            reasons,
        )
        if accounts is not None:
            _write_accounts(report, Path(accounts), space, result, owned)
    report.seconds["total"] = time.perf_counter() - began
    outputs.write_summary(out_dir / outputs.SUMMARY, report.summary())
    return report


def _write(
    report: CountReport,
    space: IdSpace,
    followers: NDArray[np.int64],
    effective: NDArray[np.int64],
    owner_of: NDArray[np.int64] | None,
    owned: Owners | None,
    owner_followers: NDArray[np.int64],
    rows: list[NDArray[np.int64]],
    reasons: list[str],
) -> None:
    out_dir = report.out_dir
    followed = np.flatnonzero(followers > 0)
    report.accounts_followed = int(followed.shape[0])
    if owner_of is not None and owned is not None:
        codes = owner_of[followed]
        owner_ref = owned.names.take(pa.array(codes, mask=codes < 0))
    else:
        owner_ref = pa.nulls(followed.shape[0], pa.string())
    table = outputs.counts_table(
        space.ids(followed), followers[followed], effective[followed], owner_ref
    )
    outputs.write_parquet(out_dir / outputs.COUNTS, table)
    report.files["counts"] = outputs.COUNTS
    if owned is not None and owner_of is not None:
        report.owners = len(owned.names)
        maxima = account_maxima(followers, owner_of, len(owned.names))
        owners_table = outputs.owners_table(owned.names, owned.accounts, owner_followers, maxima)
        outputs.write_parquet(out_dir / outputs.OWNERS, owners_table)
        report.files["owners"] = outputs.OWNERS
    outputs.write_rejects(out_dir / outputs.REJECTS, rows, reasons)
    report.files["rejects"] = outputs.REJECTS


Batch = tuple[int, NDArray[np.int64], NDArray[np.int64], bool]  # rows, follower, followee, nulls?
Counted = tuple[
    Result, "Owners | None", NDArray[np.int64] | None, list[NDArray[np.int64]], list[str]
]


class _NotDirect(Exception):
    """An id outside what the file's statistics promised."""


def _count(
    report: CountReport,
    space: IdSpace,
    batches: Iterator[Batch],
    files: tuple[Path | None, Path | None],
    flagged: frozenset[str],
    step: str,
    *,
    ordered: bool,
) -> Counted:
    flags, owners = files
    report.ids = space.way
    report.order = "kept" if ordered else "sorted"
    with report.step("flags_owners"):
        mask = _flagged(space, flags, flagged) if flags is not None else None
        owned = _owners(owners) if owners is not None else None
        owner_of = _owner_of(space, owned) if owned is not None else None
    report.flagged_accounts = int(mask.sum()) if mask is not None else 0
    owners_count = len(owned.names) if owned is not None else 0
    tally = Tally(space.size, mask, owner_of, owners_count, ordered=ordered)
    rows: list[NDArray[np.int64]] = []
    reasons: list[str] = []
    with report.step(step):
        offset = 0
        for n, follower, followee, nulls in batches:
            bad, why = reject_rows(follower, followee, maybe_missing=nulls)
            if bad.shape[0]:
                rows.append(bad + offset + 1)
                reasons += why
                keep = np.ones(n, dtype=np.bool_)
                keep[bad] = False
                follower, followee = follower[keep], followee[keep]
            tally.add(follower, followee)
            offset += n
        result = tally.finish()
    report.read = offset
    return result, owned, owner_of, rows, reasons


def _checked(size: int, batches: Iterator[pa.RecordBatch]) -> Iterator[Batch]:
    """Record batches of small integer ids as numpy, each id checked to be in ``[0, size)``."""
    for batch in batches:
        nulls = any(batch.column(n).null_count for n in EDGE_COLUMNS)
        follower, followee = (_as_numpy(batch.column(n)) for n in EDGE_COLUMNS)
        for ids in (follower, followee):
            if ids.shape[0] and (int(ids.max()) >= size or int(ids.min()) < -1):
                raise _NotDirect
        yield batch.num_rows, follower, followee, nulls


def _as_numpy(column: pa.Array) -> NDArray[np.int64]:
    if column.null_count:
        column = column.fill_null(-1)
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.int64)


def _encoded(
    sizes: list[int], dense: list[NDArray[np.int64]], *, maybe_missing: bool
) -> Iterator[Batch]:
    for i, n in enumerate(sizes):
        follower, followee = dense[2 * i], dense[2 * i + 1]
        dense[2 * i] = dense[2 * i + 1] = np.zeros(0, dtype=np.int64)  # let it go
        yield n, follower, followee, maybe_missing


def _regroup(batches: list[pa.RecordBatch], rows: int) -> list[pa.RecordBatch]:
    """Consecutive batches joined into batches of at least ``rows`` (the last may be fewer),
    releasing each small batch as it is copied."""
    grouped: list[pa.RecordBatch] = []
    group: list[pa.RecordBatch] = []
    batches.reverse()
    while batches:
        group.append(batches.pop())
        if sum(b.num_rows for b in group) >= rows or not batches:
            arrays = [pa.concat_arrays([b.column(n) for b in group]) for n in EDGE_COLUMNS]
            grouped.append(pa.RecordBatch.from_arrays(arrays, names=list(EDGE_COLUMNS)))
            group = []
    return grouped


def _write_accounts(
    report: CountReport, path: Path, space: IdSpace, result: Result, owned: Owners | None
) -> None:
    """The snapshot with its follower columns from the graph (an account with no edge: 0)."""
    snapshot = outputs.read_snapshot(path)
    ids = snapshot["account_id"]
    dense = space.lookup(ids)
    found = dense >= 0
    take = np.where(found, dense, 0)
    followers = np.zeros(len(ids), dtype=np.int64)
    effective = np.zeros(len(ids), dtype=np.int64)
    if space.size:
        followers[found] = result.followers[take[found]]
        effective[found] = result.effective[take[found]]
    # An account with no owner is its own holder: its audience is its own followers.
    owner_followers = followers.copy()
    if owned is not None:
        listed = pc.index_in(_text(ids), value_set=_text(owned.account_ids))
        pos = _np_int(listed)
        has = pos >= 0
        owner_followers[has] = result.owner_followers[owned.owner_of_account[pos[has]]]
    values = {
        "followers": followers,
        "effective_followers": effective,
        "owner_followers": owner_followers,
    }
    table = outputs.filled(snapshot, values)
    if owned is not None:
        # The owners the audiences were counted by, so that owner_ref and owner_followers agree
        # (``[linked_accounts]`` in a policy reads both): an account not listed has none.
        index = pa.array(owned.owner_of_account[np.where(has, pos, 0)], mask=~has)
        refs = pc.cast(owned.names.take(index), pa.string())
        table = outputs.with_column(table, "owner_ref", refs)
    outputs.write_parquet(report.out_dir / outputs.ACCOUNTS, table)
    report.files["accounts"] = outputs.ACCOUNTS


def _text(ids: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_dictionary(ids.type):
        ids = pc.cast(ids, ids.type.value_type)
    return ids if pa.types.is_string(ids.type) else pc.cast(ids, pa.string())


def _np_int(column: pa.ChunkedArray) -> NDArray[np.int64]:
    return np.asarray(column.fill_null(-1).to_numpy(), dtype=np.int64)


def _flagged(space: IdSpace, path: Path, flagged: frozenset[str]) -> NDArray[np.bool_]:
    """By dense id: is this account flagged with one of ``flagged``."""
    table = read_columns(path, FLAG_COLUMNS, ids=("account_id",))
    _no_missing(table.path, table["account_id"], "account_id")
    flag = pc.utf8_lower(pc.utf8_trim_whitespace(table["flag"].fill_null("")))
    chosen = pc.is_in(flag, value_set=pa.array(sorted(flagged), pa.string()))
    dense = space.lookup(table["account_id"].filter(chosen))
    mask = np.zeros(space.size, dtype=np.bool_)
    mask[dense[dense >= 0]] = True
    return mask


def _owners(path: Path) -> Owners:
    table = read_columns(path, OWNER_COLUMNS, ids=("account_id",))
    for name in OWNER_COLUMNS:
        _no_missing(table.path, table[name], name)
    pairs = pa.table(table.columns).group_by(list(OWNER_COLUMNS)).aggregate([])
    per_account = pairs.group_by("account_id").aggregate([("owner_ref", "count")])
    twice = per_account.filter(pc.greater(per_account["owner_ref_count"], 1))
    if len(twice):
        account = twice["account_id"][0].as_py()
        raise GraphFileError(
            f"{path}: account {account!s} has more than one owner_ref "
            f"({len(twice):,} accounts do); an account has one holder"
        )
    encoded = pc.dictionary_encode(pairs["owner_ref"]).combine_chunks()
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    names = encoded.dictionary
    return Owners(
        names=names,
        accounts=np.bincount(codes, minlength=len(names)).astype(np.int64),
        account_ids=pairs["account_id"],
        owner_of_account=codes,
    )


def _owner_of(space: IdSpace, owned: Owners) -> NDArray[np.int64]:
    """By dense id: the account's owner number, or -1."""
    owner_of = np.full(space.size, -1, dtype=np.int64)
    dense = space.lookup(owned.account_ids)
    present = dense >= 0
    owner_of[dense[present]] = owned.owner_of_account[present]
    return owner_of


def _no_missing(path: Path, column: pa.ChunkedArray, name: str) -> None:
    missing = pc.is_null(column)
    if pa.types.is_string(column.type):
        missing = pc.or_(missing, pc.equal(column, ""))
    where = np.flatnonzero(_np(missing))
    if where.shape[0]:
        raise GraphFileError(
            f"{path}: row {int(where[0]) + 1}: {name}: missing ({where.shape[0]:,} rows lack it)"
        )


def _np(mask: pa.ChunkedArray) -> NDArray[np.bool_]:
    return np.asarray(mask.to_numpy(), dtype=np.bool_)
