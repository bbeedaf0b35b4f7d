"""The public log of disclosures, as anyone may read it: the signed checkpoint, the verifier key,
the entries, and proofs of inclusion and consistency (RFC 6962 trees, C2SP checkpoints).

Each platform's log has its own Ed25519 key, made the first time its log is asked for, its seed
wrapped by the key provider's master key the way the vault's data keys are. Only a platform
with a policy in force has a log: an unknown name makes no key and reads nothing.
"""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from byline import translog
from byline.domain.merkle import Tree
from byline.service._base import Deps, Service
from byline.service.policies import active_policy
from byline.store import Connection
from byline.translog import (
    TILE_HEIGHT,
    WIDTH,
    Checkpoint,
    Fetch,
    Signer,
    StoredKey,
    Verified,
    Verifier,
    bundle,
    parse_tile,
    tiles,
    verify_log,
)
from byline.vault import KeyProvider

MAX_ENTRIES = 1000  # entries per read
ORIGIN_PREFIX = "byline"  # a log's origin is <prefix>/<platform>, fixed when its key is made
_KEY_CONTEXT = b"byline/log/signing-key/v1\x00"


class LogRangeError(ValueError):
    """An index, size or range the log cannot answer (says which and why)."""


@dataclass(frozen=True)
class LogProof:
    kind: str  # inclusion | consistency
    first: int  # the leaf index (inclusion) or the first size (consistency)
    size: int  # the tree size the proof is for
    proof: tuple[bytes, ...]

    def as_dict(self) -> dict[str, Any]:
        names = ("index", "size") if self.kind == "inclusion" else ("first", "second")
        return {
            names[0]: self.first,
            names[1]: self.size,
            "proof": [base64.b64encode(h).decode() for h in self.proof],
        }


@dataclass(frozen=True)
class LogEntry:
    index: int
    entry: str  # canonical JSON

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "entry": self.entry}


class PublicLog(Service):
    """The log as served. A process keeps each platform's tree (the hashes of its complete
    subtrees, grown from the stored leaf hashes as entries are appended), so a checkpoint, a
    proof or a hash tile reads O(log n) stored hashes; only entries appended since the last
    request are read and hashed. Entries are only ever appended, so a kept tree stays true."""

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self._heads: dict[str, tuple[int, str]] = {}  # platform -> (size, signed checkpoint)
        self._trees: dict[str, Tree] = {}
        self._growing = threading.Lock()

    def key(self, platform: str) -> str:
        """The log's verifier key (``name+hash+base64``)."""
        with self.db.transaction() as conn:
            return self._signer(conn, platform).verifier().text()

    def checkpoint(self, platform: str) -> str:
        """The log's latest checkpoint, signed (a C2SP signed note). A process keeps the last
        one it signed per platform, and signs again only when the log has grown."""
        tree, size = self._tree(platform)
        held = self._heads.get(platform)
        if held is not None and held[0] == size:
            return held[1]
        with self.db.transaction() as conn:
            signer = self._signer(conn, platform)
        note = Checkpoint(signer.name, size, tree.root(size)).signed(signer)
        self._heads[platform] = (size, note)
        return note

    def checkpoint_at(self, platform: str, size: int) -> str:
        """A signed checkpoint of the log as it was at ``size`` entries (its first ``size``
        leaves): what the log committed to then, checkable against any later checkpoint by a
        consistency proof."""
        tree = self._tree_of(platform, size)
        with self.db.transaction() as conn:
            signer = self._signer(conn, platform)
        return Checkpoint(signer.name, size, tree.root(size)).signed(signer)

    def inclusion(self, platform: str, index: int, size: int) -> LogProof:
        tree = self._tree_of(platform, size)
        if not 0 <= index < size:
            raise LogRangeError(f"index {index} is not in a tree of {size}")
        return LogProof("inclusion", index, size, tuple(tree.inclusion(index, size)))

    def consistency(self, platform: str, first: int, second: int) -> LogProof:
        tree = self._tree_of(platform, second)
        if not 0 < first <= second:
            raise LogRangeError(f"no proof from size {first} to size {second}")
        return LogProof("consistency", first, second, tuple(tree.consistency(first, second)))

    def entries(self, platform: str, start: int, end: int) -> list[LogEntry]:
        """Entries ``start`` .. ``end`` - 1 (at most ``MAX_ENTRIES``; fewer past the end)."""
        if start < 0 or end <= start:
            raise LogRangeError(f"no entries from {start} to {end}")
        with self.db.reading() as conn:
            active_policy(conn, platform)
            found = translog.entries(conn, platform, start, min(end, start + MAX_ENTRIES))
        return [LogEntry(i, e) for i, e in found]

    def tile(self, platform: str, path: str) -> bytes:
        """A tile of the log (C2SP tlog-tiles): ``tile/entries/<N>[.p/<W>]`` or
        ``tile/<L>/<N>[.p/<W>]``; ``LogRangeError`` for a path the log does not have."""
        parsed = parse_tile(path)
        if parsed is None:
            raise LogRangeError(f"{path}: not a tile path")
        level, n, width = parsed
        first = n * WIDTH
        span = 1 if level == "entries" else WIDTH ** int(level)  # leaves per item
        with self.db.reading() as conn:
            active_policy(conn, platform)
            size = translog.size(conn, platform)
            if (first + width) * span > size or (
                width < WIDTH and (first + width + 1) * span <= size
            ):
                raise LogRangeError(f"{path}: the log of {size} entries has no such tile")
            if level == "entries":
                rows = translog.entries(conn, platform, first, first + width)
                return bundle([e.encode() for _, e in rows])
        tree = self._tree_of(platform, (first + width) * span)
        height = TILE_HEIGHT * int(level)  # a level-L tile holds subtrees of 2**(8L) leaves
        return b"".join(tree.stored(height, first + i) for i in range(width))

    def export(self, platform: str, out_dir: Path) -> int:
        """Write the log as static files (checkpoint, key, tiles) into ``out_dir``, for any web
        server; return the tree size written."""
        note = self.checkpoint(platform)
        key = self.key(platform)
        with self.db.reading() as conn:
            rows = translog.entries(conn, platform, 0, translog.size(conn, platform))
            leaves = translog.leaves(conn, platform, upto=len(rows))
        out_dir.mkdir(parents=True, exist_ok=True)
        for path, content in tiles([e.encode() for _, e in rows], leaves):
            target = out_dir / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        (out_dir / "key").write_text(key + "\n")
        (out_dir / "checkpoint").write_text(note)  # last: a reader never sees it ahead of its tiles
        return len(rows)

    def _tree(self, platform: str) -> tuple[Tree, int]:
        """The platform's tree, grown to the log's size; and that size."""
        with self.db.reading() as conn:
            active_policy(conn, platform)  # NoActivePolicy: no log
            size = translog.size(conn, platform)
            with self._growing:
                tree = self._trees.setdefault(platform, Tree())
                if len(tree) < size:
                    tree.extend(translog.leaves(conn, platform, upto=size, start=len(tree)))
        return tree, size

    def _tree_of(self, platform: str, size: int) -> Tree:
        tree, held = self._tree(platform)
        if not 0 <= size <= held:
            raise LogRangeError(f"the log holds {held} entries, not {size}")
        return tree

    def _signer(self, conn: Connection, platform: str) -> Signer:
        active_policy(conn, platform)  # NoActivePolicy: no log, no key
        provider = self.vault.sealer
        context = _KEY_CONTEXT + platform.encode()
        held = translog.stored_key(conn, platform)
        if held is None:
            signer = Signer.generate(f"{ORIGIN_PREFIX}/{platform}")
            wrapped, master_key_id = provider.wrap(signer.seed, associated_data=context)
            key = StoredKey(platform, signer.name, wrapped, master_key_id, signer.verifier().text())
            if translog.store_key(conn, key, self.now()):
                return signer
            held = translog.stored_key(conn, platform)  # another writer made it first
            assert held is not None
        seed = provider.unwrap(held.wrapped_seed, held.master_key_id, associated_data=context)
        return Signer(held.origin, seed)


def verify_public_log(fetch: Fetch, key: str, previous: str | None = None) -> Verified:
    """Check a log read through ``fetch`` against its verifier key (``name+hash+base64``), and
    against a checkpoint kept from an earlier check; ``NoteError`` when the key or the
    checkpoint's signature does not hold. Needs no database and no key but the public one."""
    return verify_log(fetch, Verifier.parse(key), previous)


def rewrap_log_keys(conn: Connection, provider: KeyProvider) -> int:
    """Re-wrap every log key not under the provider's current master key (a rotation); the
    seeds, and so the verifier keys, stay the same. Returns how many were re-wrapped."""
    moved = translog.keys_not_under(conn, provider.current_key_id)
    for key in moved:
        context = _KEY_CONTEXT + key.platform.encode()
        seed = provider.unwrap(key.wrapped_seed, key.master_key_id, associated_data=context)
        wrapped, master_key_id = provider.wrap(seed, associated_data=context)
        translog.rewrap(conn, key, wrapped, master_key_id)
    return len(moved)
