"""The counting kernels: numpy over dense ids, one batch of edges at a time.

An accepted edge is packed into one 64-bit key, ``followee << 32 | follower``. A repeated
(follower, followee) pair is a repeated key, so the distinct follows are the distinct keys:
- every edge is counted as it comes (``bincount`` of the followees), and the repeats are
  subtracted at the end;
- the repeats are found without a sort when the edges come grouped the way an edge list is
  dumped (by followee then follower, or by follower then followee): the keys (or the keys with
  their halves swapped) never descend, and a repeat is a key equal to the one before it. Only
  an edge list in no such order is sorted (``numpy.sort``, in place, once);
- effective followers are the followers less the distinct follows from a flagged follower: the
  flagged edges are picked as they come (a few percent of the keys) and only they are sorted;
- an owner's distinct followers are the distinct (owner, follower) pairs over the edges into
  its accounts: picked as they come, packed the same way, sorted and counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

Keys = NDArray[np.uint64]
Counts = NDArray[np.int64]
_HALF = np.uint64(32)
_LOW = np.uint64(0xFFFFFFFF)
# Rows per ordering check: a file in no order is found out within the first block.
_BLOCK = 1 << 20
# Followee ids of a batch spanning fewer than this are counted by bincount over the span.
_SPAN = 1 << 21


class Unordered(Exception):
    """The edges are not in key order (raised by an ``ordered`` tally: count them again)."""


@dataclass
class Tally:
    """Counts of one graph, fed batch by batch (``add``), settled once (``finish``).

    An ``ordered`` tally expects the edges grouped as a dump is (see the module): it checks
    each batch and keeps only the repeats, so its memory is the counts alone; it raises
    ``Unordered`` at the first batch that breaks the order. Otherwise every key is kept and
    sorted at the end.
    """

    size: int
    flagged: NDArray[np.bool_] | None = None  # by dense id: does this follower not count
    owner_of: NDArray[np.int64] | None = None  # by dense id: owner number, or -1
    owners: int = 0
    ordered: bool = True
    followers: Counts = field(init=False)
    _keys: list[Keys] = field(default_factory=list, init=False)
    _repeated: int = field(default=0, init=False)  # ordered: the repeats taken off so far
    _flagged: list[Keys] = field(default_factory=list, init=False)
    _owned: list[Keys] = field(default_factory=list, init=False)
    _flag_bits: NDArray[np.uint8] | None = field(default=None, init=False)
    _owned_bits: NDArray[np.uint8] | None = field(default=None, init=False)
    _swap: bool | None = field(default=None, init=False)  # the order: None until the first batch
    _last: np.uint64 | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.followers = np.zeros(self.size, dtype=np.int64)
        # Looked up once per edge: as bits the table stays in cache (10M accounts: 1.2 MiB)
        # where a byte per account would not (3x faster measured).
        if self.flagged is not None:
            self._flag_bits = np.packbits(self.flagged, bitorder="little")
        if self.owner_of is not None:
            self._owned_bits = np.packbits(self.owner_of >= 0, bitorder="little")

    def add(self, follower: Counts, followee: Counts) -> None:
        """Count a batch of accepted edges (dense ids, no missing id, no self-follow)."""
        if not follower.shape[0]:
            return
        _histogram_into(self.followers, followee)
        keys = (followee.view(np.uint64) << _HALF) | follower.view(np.uint64)
        if self.ordered:  # the repeats taken off at once: they stay in the batch's narrow span
            repeats = self._check_order(keys)
            if repeats.shape[0]:
                _histogram_into(self.followers, (repeats >> _HALF).astype(np.int64), sign=-1)
                self._repeated += int(repeats.shape[0])
        else:
            self._keys.append(keys)
        if self._flag_bits is not None:
            self._flagged.append(keys[_test(self._flag_bits, follower)])
        if self.owner_of is not None and self._owned_bits is not None:
            into = _test(self._owned_bits, followee)
            owner = self.owner_of[followee[into]].view(np.uint64)
            self._owned.append((owner << _HALF) | follower[into].view(np.uint64))

    def _check_order(self, keys: Keys) -> Keys:
        """The batch's repeats, if it keeps the order; else ``Unordered``."""
        if self._swap is None:
            self._swap = not _ascending([keys], swap=False)
        if not _ascending([keys], swap=self._swap):
            raise Unordered
        first, last = keys[0], keys[-1]
        if self._swap:
            first, last = _swapped(first), _swapped(last)
        if self._last is not None and first < self._last:
            raise Unordered
        repeats: Keys = keys[1:][keys[1:] == keys[:-1]]
        if self._last is not None and first == self._last:
            repeats = np.concatenate([keys[:1], repeats])
        self._last = last
        return repeats

    def finish(self) -> Result:
        """Settle repeats; the keys are released (they are most of the memory held)."""
        repeated = self._repeated
        if not self.ordered:
            repeats = _sorted_repeats(self._keys)
            self._keys = []
            np.subtract.at(self.followers, (repeats >> _HALF).astype(np.int64), 1)
            repeated = int(repeats.shape[0])
        effective = self.followers
        if self.flagged is not None:
            flagged = _distinct(self._flagged)
            self._flagged = []
            effective = self.followers.copy()
            np.subtract.at(effective, (flagged >> _HALF).astype(np.int64), 1)
        owner_followers = np.zeros(self.owners, dtype=np.int64)
        if self.owner_of is not None:
            pairs = _distinct(self._owned)
            self._owned = []
            owner_followers = np.bincount((pairs >> _HALF).astype(np.int64), minlength=self.owners)
        return Result(self.followers, effective, owner_followers, repeated)


def _histogram_into(counts: Counts, ids: Counts, sign: int = 1) -> None:
    """``counts[i] += sign * (ids == i).sum()`` for every i (``sign`` 1 or -1), allocating
    nothing the size of ``counts``.

    Ids of a batch that fall in a narrow span (an edge list grouped by followee) are counted by
    ``bincount`` over the span; otherwise ``add.at`` counts them in place (a fresh table the
    size of the counts per batch costs more in page faults than the counting itself).
    """
    lo, hi = int(ids.min()), int(ids.max())
    if hi - lo < _SPAN:
        part = np.bincount(ids - lo, minlength=hi - lo + 1)
        if sign > 0:
            counts[lo : hi + 1] += part
        else:
            counts[lo : hi + 1] -= part
    else:
        (np.add if sign > 0 else np.subtract).at(counts, ids, 1)


def _swapped(key: np.uint64) -> np.uint64:
    return np.uint64((int(key) << 32 | int(key) >> 32) & 0xFFFFFFFFFFFFFFFF)


@dataclass(frozen=True)
class Result:
    followers: Counts  # by dense id: distinct followers
    effective: Counts  # by dense id: distinct followers not flagged
    owner_followers: Counts  # by owner number: distinct followers over its accounts
    duplicates: int  # accepted edges that repeat a pair already counted


def _test(bits: NDArray[np.uint8], ids: Counts) -> NDArray[np.bool_]:
    """``bits[ids]`` of a little-endian packed bit table."""
    found: NDArray[np.bool_] = ((bits[ids >> 3] >> (ids & 7).astype(np.uint8)) & 1).view(np.bool_)
    return found


def _sorted_repeats(chunks: list[Keys]) -> Keys:
    """The keys that repeat an earlier key (one per repeat), in any order."""
    if not chunks:
        return np.zeros(0, dtype=np.uint64)
    keys = np.concatenate(chunks) if len(chunks) != 1 else chunks[0]
    chunks.clear()
    keys.sort()
    repeats: Keys = keys[1:][keys[1:] == keys[:-1]]
    return repeats


def _distinct(chunks: list[Keys]) -> Keys:
    """The distinct keys of ``chunks``, ascending. Keys picked from an edge list in key order
    come already ascending (checked block by block: a pass, where a sort is several)."""
    if not chunks:
        return np.zeros(0, dtype=np.uint64)
    in_order = _ascending(chunks, swap=False)
    keys = np.concatenate(chunks)
    chunks.clear()
    if not in_order:
        keys.sort()
    if keys.shape[0] < 2:
        return keys
    keep = np.empty(keys.shape[0], dtype=np.bool_)
    keep[0] = True
    np.not_equal(keys[1:], keys[:-1], out=keep[1:])
    return keys[keep]


def _ascending(chunks: list[Keys], *, swap: bool) -> bool:
    """Whether the keys never descend across all chunks (checked block by block, stops early)."""
    previous: np.uint64 | None = None
    for chunk in chunks:
        for start in range(0, chunk.shape[0], _BLOCK):
            block = chunk[start : start + _BLOCK + 1]
            if swap:
                block = (block << _HALF) | (block >> _HALF)
            if previous is not None and block[0] < previous:
                return False
            if not bool(np.all(block[1:] >= block[:-1])):
                return False
            previous = block[-1]
    return True


def account_maxima(followers: Counts, owner_of: Counts, owners: int) -> Counts:
    """The largest follower count among each owner's accounts."""
    best = np.zeros(owners, dtype=np.int64)
    owned = np.flatnonzero(owner_of >= 0)
    np.maximum.at(best, owner_of[owned], followers[owned])
    return best


def reject_rows(
    follower: Counts, followee: Counts, *, maybe_missing: bool = True
) -> tuple[NDArray[np.int64], list[str]]:
    """Positions (in the batch) of edges that cannot be counted, and why: one reason each.

    A missing id is -1 (``maybe_missing`` false says the batch has none: one pass fewer).
    """
    bad_mask = follower == followee
    if maybe_missing:
        bad_mask |= np.minimum(follower, followee) < 0
    bad = np.flatnonzero(bad_mask)
    if not bad.shape[0]:
        return bad, []
    missing_from = follower[bad] < 0
    missing_to = followee[bad] < 0
    reasons = np.where(
        missing_from & missing_to,
        "follower_id: missing; followee_id: missing",
        np.where(
            missing_from,
            "follower_id: missing",
            np.where(missing_to, "followee_id: missing", "self-follow"),
        ),
    )
    return bad, reasons.tolist()
