"""The public log of disclosures, as anyone may read it: the signed checkpoint, the verifier key,
the entries, and proofs of inclusion and consistency (RFC 6962 trees, C2SP checkpoints).

Each platform's log has its own Ed25519 key, made the first time its log is asked for, its seed
wrapped by the key provider's master key the way the vault's data keys are. Only a platform
with a policy in force has a log: an unknown name makes no key and reads nothing.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from byline import translog
from byline.domain.merkle import consistency_proof, inclusion_proof, root
from byline.service._base import Service
from byline.service.policies import active_policy
from byline.store import Connection
from byline.translog import Checkpoint, Signer, StoredKey

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
    def key(self, platform: str) -> str:
        """The log's verifier key (``name+hash+base64``)."""
        with self.db.transaction() as conn:
            return self._signer(conn, platform).verifier().text()

    def checkpoint(self, platform: str) -> str:
        """The log's latest checkpoint, signed (a C2SP signed note)."""
        with self.db.transaction() as conn:
            signer = self._signer(conn, platform)
            leaves = translog.leaves(conn, platform)
        return Checkpoint(signer.name, len(leaves), root(leaves)).signed(signer)

    def inclusion(self, platform: str, index: int, size: int) -> LogProof:
        leaves = self._leaves(platform, size)
        if not 0 <= index < size:
            raise LogRangeError(f"index {index} is not in a tree of {size}")
        return LogProof("inclusion", index, size, tuple(inclusion_proof(index, leaves)))

    def consistency(self, platform: str, first: int, second: int) -> LogProof:
        leaves = self._leaves(platform, second)
        if not 0 < first <= second:
            raise LogRangeError(f"no proof from size {first} to size {second}")
        return LogProof("consistency", first, second, tuple(consistency_proof(first, leaves)))

    def entries(self, platform: str, start: int, end: int) -> list[LogEntry]:
        """Entries ``start`` .. ``end`` - 1 (at most ``MAX_ENTRIES``; fewer past the end)."""
        if start < 0 or end <= start:
            raise LogRangeError(f"no entries from {start} to {end}")
        with self.db.reading() as conn:
            active_policy(conn, platform)
            found = translog.entries(conn, platform, start, min(end, start + MAX_ENTRIES))
        return [LogEntry(i, e) for i, e in found]

    def _leaves(self, platform: str, size: int) -> list[bytes]:
        with self.db.reading() as conn:
            active_policy(conn, platform)
            leaves = translog.leaves(conn, platform, upto=size)
        if size < 0 or len(leaves) < size:
            raise LogRangeError(f"the log holds {len(leaves)} entries, not {size}")
        return leaves

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
