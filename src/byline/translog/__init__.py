"""The public log of disclosures: signed notes and checkpoints over ``domain.merkle`` trees."""

from byline.translog._checkpoint import Checkpoint
from byline.translog._note import NoteError, Signer, Verifier, key_hash, open_note

__all__ = ["Checkpoint", "NoteError", "Signer", "Verifier", "key_hash", "open_note"]
