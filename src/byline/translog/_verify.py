"""What an outsider checks of a log, given where to read it and its public key only: the
checkpoint's signature, the root rebuilt from every entry, the history kept (consistent with an
earlier checkpoint they kept), and the threshold promise entry by entry."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from byline.domain.merkle import leaf_hash, root, verify_consistency
from byline.translog._checkpoint import Checkpoint
from byline.translog._entries import canonical
from byline.translog._note import NoteError, Verifier
from byline.translog._tiles import WIDTH, tile_path, unbundle

Fetch = Callable[[str], bytes]  # a path under the log's base (``checkpoint``, ``tile/...``)


@dataclass
class Verified:
    checkpoint: Checkpoint
    note: str  # the signed checkpoint as read: what a verifier keeps for its next check
    disclosed: int = 0
    volunteered: int = 0
    failures: list[tuple[int | None, str]] = field(default_factory=list)  # (entry index, what)

    @property
    def ok(self) -> bool:
        return not self.failures


def verify_log(fetch: Fetch, verifier: Verifier, previous: str | None = None) -> Verified:
    """Check the log ``fetch`` reads; ``previous``: a checkpoint note kept from an earlier
    check (signed by the same key). Raises ``NoteError`` when the checkpoint is not signed."""
    note = fetch("checkpoint").decode()
    checkpoint = Checkpoint.open(note, verifier)
    found = Verified(checkpoint, note)
    entries: list[bytes] = []
    for n in range(0, (checkpoint.size + WIDTH - 1) // WIDTH):
        width = min(WIDTH, checkpoint.size - n * WIDTH)
        try:
            part = unbundle(fetch(tile_path("entries", n, width)))
        except (OSError, ValueError) as exc:
            found.failures.append((n * WIDTH, f"entry bundle {n}: cannot be read ({exc})"))
            return found
        if len(part) != width:
            found.failures.append((n * WIDTH, f"entry bundle {n} holds {len(part)} entries"))
            return found
        entries += part
    leaves = [leaf_hash(e) for e in entries]
    if root(leaves) != checkpoint.root:
        found.failures.append((None, "the entries do not make the checkpoint's root"))
    if previous is not None:
        _check_history(fetch, verifier, previous, checkpoint, leaves, found)
    for index, entry in enumerate(entries):
        _check_entry(index, entry, found)
    return found


def _check_history(
    fetch: Fetch,
    verifier: Verifier,
    previous: str,
    checkpoint: Checkpoint,
    leaves: list[bytes],
    found: Verified,
) -> None:
    try:
        kept = Checkpoint.open(previous, verifier, origin=checkpoint.origin)
    except NoteError as exc:
        found.failures.append((None, f"the kept checkpoint: {exc}"))
        return
    if kept.size > checkpoint.size:
        found.failures.append((None, f"the log shrank from {kept.size} to {checkpoint.size}"))
    elif kept.size and root(leaves[: kept.size]) != kept.root:
        found.failures.append(
            (None, f"history rewritten: the first {kept.size} entries no longer make the kept root")
        )
    elif 0 < kept.size < checkpoint.size:
        path = f"proof/consistency?first={kept.size}&second={checkpoint.size}"
        try:
            proof = [base64.b64decode(h, validate=True) for h in json.loads(fetch(path))["proof"]]
        except (OSError, ValueError, KeyError):
            return  # a static export serves no proofs: the entries above proved it
        if not verify_consistency(kept.size, checkpoint.size, proof, kept.root, checkpoint.root):
            found.failures.append((None, "the log's consistency proof does not verify"))


def _check_entry(index: int, raw: bytes, found: Verified) -> None:
    try:
        entry = json.loads(raw)
    except ValueError:
        found.failures.append((index, "not JSON"))
        return
    if not isinstance(entry, dict) or canonical(entry).encode() != raw:
        found.failures.append((index, "not a canonical JSON object"))
        return
    if entry.get("event") != "disclosed":
        return
    found.disclosed += 1
    if entry.get("basis") == "volunteered":
        found.volunteered += 1
        return
    floor, counts = entry.get("floor"), entry.get("counts")
    if not isinstance(floor, dict) or not isinstance(counts, dict) or not floor:
        found.failures.append((index, "a disclosure without its counts and floor"))
        return
    below = [m for m, v in floor.items() if not isinstance(counts.get(m), int) or counts[m] < v]
    if below:
        found.failures.append(
            (index, f"disclosed below the floor ({', '.join(sorted(below))}) without volunteering")
        )
