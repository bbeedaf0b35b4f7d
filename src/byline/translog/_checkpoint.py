"""Checkpoints (C2SP ``tlog-checkpoint``): what a log commits to at a size, signed as a note.

The text is three lines, then any extension lines: the log's origin (its name, unique to the
log), the tree size in decimal, and the root hash in base64.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from byline.domain.merkle import HASH_BYTES
from byline.translog._note import NoteError, Signer, Verifier, open_note

_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode()]
        return "\n".join([*lines, *self.extensions]) + "\n"

    def signed(self, signer: Signer) -> str:
        return signer.sign(self.text())

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """The checkpoint of a note's text; ``NoteError`` naming the line that is wrong."""
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise NoteError("a checkpoint is origin, size and root hash, one per line")
        origin, size, encoded, *extensions = lines[:-1]
        if not origin or origin != origin.strip():
            raise NoteError("checkpoint line 1: the origin is empty or padded")
        if not _SIZE.fullmatch(size) or int(size) >= 2**63:
            raise NoteError("checkpoint line 2: the tree size is not a decimal number")
        try:
            root = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            root = b""
        if len(root) != HASH_BYTES:
            raise NoteError("checkpoint line 3: the root is not a base64 SHA-256 hash")
        if any(not line for line in extensions):
            raise NoteError("checkpoint: an empty extension line")
        return cls(origin, int(size), root, tuple(extensions))

    @classmethod
    def open(cls, note: str, verifier: Verifier, origin: str | None = None) -> Checkpoint:
        """The checkpoint in ``note``, if ``verifier`` signed it (and it is ``origin``'s)."""
        checkpoint = cls.parse(open_note(note, verifier))
        if origin is not None and checkpoint.origin != origin:
            raise NoteError(f"the checkpoint is of log {checkpoint.origin!r}, not {origin!r}")
        return checkpoint
