"""Merkle trees as Certificate Transparency builds them (RFC 6962, RFC 9162 section 2.1):
SHA-256, a leaf hashed as ``SHA-256(0x00 || entry)``, two children as ``SHA-256(0x01 || left ||
right)``, a tree of n leaves split at the largest power of two below n.

What the public log of disclosures rests on: its root (``root``), the proofs it hands out
(``inclusion_proof``, ``consistency_proof``) and what anyone checks them with
(``verify_inclusion``, ``verify_consistency``), without trusting the operator. The verifiers follow
the RFC's algorithms (9162, 2.1.3.2 and 2.1.4.2) and refuse anything malformed: a hash that is not
32 bytes, a size or index out of range, a proof too short or too long.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_BYTES = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # the root of the tree of no leaves


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two below ``n`` (n >= 2): the size of the left subtree."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """The root of the tree of ``leaves`` (leaf hashes, in order)."""
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    # Pairing level by level, a lone last node moving up as it is, builds RFC 6962's tree.
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``leaves`` (RFC 6962 2.1.1), nearest
    sibling first."""
    if not 0 <= index < len(leaves):
        raise ValueError(f"leaf {index} is not in a tree of {len(leaves)}")
    return _path(index, leaves)


def _path(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = _split(n)
    if index < k:
        return [*_path(index, leaves[:k]), root(leaves[k:])]
    return [*_path(index - k, leaves[k:]), root(leaves[:k])]


def consistency_proof(first: int, leaves: Sequence[bytes]) -> list[bytes]:
    """The proof that the tree of the first ``first`` leaves is a prefix of the tree of
    ``leaves`` (RFC 6962 2.1.2); empty when the sizes are equal."""
    if not 0 < first <= len(leaves):
        raise ValueError(f"no consistency proof from size {first} to size {len(leaves)}")
    return _subproof(first, leaves, True)


def _subproof(m: int, leaves: Sequence[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [root(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], whole), root(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), root(leaves[:k])]


def _hashes(*values: bytes) -> bool:
    return all(len(v) == HASH_BYTES for v in values)


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], tree_root: bytes
) -> bool:
    """Whether ``proof`` shows the leaf hash ``leaf`` at ``index`` in the tree of ``size``
    leaves whose root is ``tree_root`` (RFC 9162 2.1.3.2)."""
    if not 0 <= index < size or not _hashes(leaf, tree_root, *proof):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == tree_root


def verify_consistency(
    first: int, second: int, proof: Sequence[bytes], first_root: bytes, second_root: bytes
) -> bool:
    """Whether ``proof`` shows the tree of ``first`` leaves (root ``first_root``) to be a prefix
    of the tree of ``second`` leaves (root ``second_root``) (RFC 9162 2.1.4.2). A tree is
    consistent with itself by an empty proof; nothing is proved from the empty tree."""
    if not 0 < first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if not proof or not _hashes(first_root, second_root, *proof):
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the first tree is a node of the second
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root


class Tree:
    """A tree grown leaf by leaf that keeps the hash of every complete subtree, as a log
    operator stores it: level ``k`` holds, packed 32 bytes apiece, the roots of the aligned
    subtrees of ``2**k`` leaves. Any tree head, proof or tile up to its size is then read from
    O(log n) stored hashes instead of rehashing the leaves (the functions above are the
    specification it is held to)."""

    def __init__(self) -> None:
        self._levels: list[bytearray] = [bytearray()]

    def __len__(self) -> int:
        return len(self._levels[0]) // HASH_BYTES

    def append(self, leaf: bytes) -> None:
        if len(leaf) != HASH_BYTES:
            raise ValueError(f"a leaf hash is {HASH_BYTES} bytes, not {len(leaf)}")
        self._levels[0] += leaf
        level = 0
        # A level that now holds an even number of nodes has completed a node above it.
        while len(self._levels[level]) // HASH_BYTES % 2 == 0:
            pair = bytes(self._levels[level][-2 * HASH_BYTES :])
            if level + 1 == len(self._levels):
                self._levels.append(bytearray())
            self._levels[level + 1] += node_hash(pair[:HASH_BYTES], pair[HASH_BYTES:])
            level += 1

    def extend(self, leaves: Sequence[bytes]) -> None:
        for leaf in leaves:
            self.append(leaf)

    def stored(self, level: int, index: int) -> bytes:
        """The root of the complete subtree of ``2**level`` leaves at position ``index``."""
        at = index * HASH_BYTES
        hashes = self._levels[level] if level < len(self._levels) else b""
        if at + HASH_BYTES > len(hashes):
            raise ValueError(
                f"no complete subtree {index} at level {level} in a tree of {len(self)}"
            )
        return bytes(hashes[at : at + HASH_BYTES])

    def root(self, size: int | None = None) -> bytes:
        """The root of the tree of the first ``size`` leaves (all by default)."""
        size = len(self) if size is None else size
        self._check(size)
        return EMPTY_ROOT if size == 0 else self._hash(0, size)

    def inclusion(self, index: int, size: int) -> list[bytes]:
        """The audit path of leaf ``index`` in the tree of the first ``size`` leaves."""
        self._check(size)
        if not 0 <= index < size:
            raise ValueError(f"leaf {index} is not in a tree of {size}")
        path: list[bytes] = []
        low, high = 0, size
        while high - low > 1:  # down from the root, the far side's hash at each split
            middle = low + _split(high - low)
            if index < middle:
                path.append(self._hash(middle, high))
                high = middle
            else:
                path.append(self._hash(low, middle))
                low = middle
        path.reverse()
        return path

    def consistency(self, first: int, size: int) -> list[bytes]:
        """The proof that the first ``first`` leaves' tree is a prefix of the first ``size``'s."""
        self._check(size)
        if not 0 < first <= size:
            raise ValueError(f"no consistency proof from size {first} to size {size}")
        path: list[bytes] = []
        low, high, whole = 0, size, True
        while first - low != high - low:  # RFC 6962 SUBPROOF, from the root down
            middle = low + _split(high - low)
            if first <= middle:
                path.append(self._hash(middle, high))
                high = middle
            else:
                path.append(self._hash(low, middle))
                low, whole = middle, False
        if not whole:
            path.append(self._hash(low, high))
        path.reverse()
        return path

    def _check(self, size: int) -> None:
        if not 0 <= size <= len(self):
            raise ValueError(f"the tree holds {len(self)} leaves, not {size}")

    def _hash(self, low: int, high: int) -> bytes:
        """The root of leaves ``low`` .. ``high`` - 1, a subtree of RFC 6962's split: complete
        ones are stored; an incomplete one (on the right edge) is two smaller ones."""
        width = high - low
        if width & (width - 1) == 0 and low % width == 0:
            return self.stored(width.bit_length() - 1, low // width)
        middle = low + _split(width)
        return node_hash(self._hash(low, middle), self._hash(middle, high))
