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


@dataclass
class Tally:
    """Counts of one graph, fed batch by batch (``add``), settled once (``finish``)."""

    size: int
    flagged: NDArray[np.bool_] | None = None  # by dense id: does this follower not count
    owner_of: NDArray[np.int64] | None = None  # by dense id: owner number, or -1
    owners: int = 0
    followers: Counts = field(init=False)
    _keys: list[Keys] = field(default_factory=list, init=False)
    _flagged: list[Keys] = field(default_factory=list, init=False)
    _owned: list[Keys] = field(default_factory=list, init=False)
    _owned_mask: NDArray[np.bool_] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.followers = np.zeros(self.size, dtype=np.int64)
        if self.owner_of is not None:
            self._owned_mask = self.owner_of >= 0

    def add(self, follower: Counts, followee: Counts) -> None:
        """Count a batch of accepted edges (dense ids, no missing id, no self-follow)."""
        if not follower.shape[0]:
            return
        self.followers += np.bincount(followee, minlength=self.size)
        keys = (followee.view(np.uint64) << _HALF) | follower.view(np.uint64)
        self._keys.append(keys)
        if self.flagged is not None:
            self._flagged.append(keys[self.flagged[follower]])
        if self.owner_of is not None and self._owned_mask is not None:
            into = self._owned_mask[followee]
            owner = self.owner_of[followee[into]].view(np.uint64)
            self._owned.append((owner << _HALF) | follower[into].view(np.uint64))

    def finish(self) -> Result:
        """Settle repeats; the keys are released (they are most of the memory held)."""
        repeats = _repeats(self._keys)
        self._keys = []
        self.followers -= np.bincount((repeats >> _HALF).astype(np.int64), minlength=self.size)
        effective = self.followers
        if self.flagged is not None:
            flagged = _distinct(self._flagged)
            self._flagged = []
            lost = np.bincount((flagged >> _HALF).astype(np.int64), minlength=self.size)
            effective = self.followers - lost
        owner_followers = np.zeros(self.owners, dtype=np.int64)
        if self.owner_of is not None:
            pairs = _distinct(self._owned)
            self._owned = []
            owner_followers = np.bincount((pairs >> _HALF).astype(np.int64), minlength=self.owners)
        return Result(self.followers, effective, owner_followers, int(repeats.shape[0]))


@dataclass(frozen=True)
class Result:
    followers: Counts  # by dense id: distinct followers
    effective: Counts  # by dense id: distinct followers not flagged
    owner_followers: Counts  # by owner number: distinct followers over its accounts
    duplicates: int  # accepted edges that repeat a pair already counted


def _repeats(chunks: list[Keys]) -> Keys:
    """The keys that repeat an earlier key (one per repeat), in any order."""
    if _ascending(chunks, swap=False):
        return _equal_neighbours(chunks)
    if _ascending(chunks, swap=True):
        return _equal_neighbours(chunks)  # equal keys are equal swapped: same neighbours
    keys = np.concatenate(chunks) if len(chunks) != 1 else chunks[0]
    chunks.clear()
    keys.sort()
    repeats: Keys = keys[1:][keys[1:] == keys[:-1]]
    return repeats


def _distinct(chunks: list[Keys]) -> Keys:
    if not chunks:
        return np.zeros(0, dtype=np.uint64)
    keys = np.concatenate(chunks)
    chunks.clear()
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


def _equal_neighbours(chunks: list[Keys]) -> Keys:
    found: list[Keys] = []
    previous: np.uint64 | None = None
    for chunk in chunks:
        if previous is not None and chunk[0] == previous:
            found.append(chunk[:1])
        found.append(chunk[1:][chunk[1:] == chunk[:-1]])
        previous = chunk[-1]
    return np.concatenate(found) if found else np.zeros(0, dtype=np.uint64)


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
