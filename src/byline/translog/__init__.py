"""The public log of disclosures: signed notes and checkpoints over ``domain.merkle`` trees."""

from byline.translog._checkpoint import Checkpoint
from byline.translog._entries import (
    EVENTS,
    append,
    canonical,
    entries,
    leaves,
    public_event,
    size,
)
from byline.translog._keys import StoredKey, store_key, stored_key
from byline.translog._note import NoteError, Signer, Verifier, key_hash, open_note

__all__ = [
    "EVENTS",
    "Checkpoint",
    "NoteError",
    "Signer",
    "StoredKey",
    "Verifier",
    "append",
    "canonical",
    "entries",
    "key_hash",
    "leaves",
    "open_note",
    "public_event",
    "size",
    "store_key",
    "stored_key",
]
