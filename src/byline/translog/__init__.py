"""The public log of disclosures: signed notes and checkpoints over ``domain.merkle`` trees."""

from byline.translog._checkpoint import Checkpoint
from byline.translog._entries import (
    EVENTS,
    append,
    canonical,
    entries,
    entries_between,
    leaves,
    public_event,
    size,
    size_before,
)
from byline.translog._keys import StoredKey, keys_not_under, rewrap, store_key, stored_key
from byline.translog._note import NoteError, Signer, Verifier, key_hash, open_note
from byline.translog._tiles import (
    TILE_HEIGHT,
    WIDTH,
    bundle,
    parse_tile,
    tile_path,
    tiles,
    unbundle,
)
from byline.translog._verify import Fetch, Verified, verify_log

__all__ = [
    "EVENTS",
    "TILE_HEIGHT",
    "WIDTH",
    "Checkpoint",
    "Fetch",
    "NoteError",
    "Signer",
    "StoredKey",
    "Verified",
    "Verifier",
    "append",
    "bundle",
    "canonical",
    "entries",
    "entries_between",
    "key_hash",
    "keys_not_under",
    "leaves",
    "open_note",
    "parse_tile",
    "public_event",
    "rewrap",
    "size",
    "size_before",
    "store_key",
    "stored_key",
    "tile_path",
    "tiles",
    "unbundle",
    "verify_log",
]
