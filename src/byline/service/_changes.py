"""What a transaction changed, for this process's caches (see ``Database.on_commit``)."""

from __future__ import annotations

from sqlalchemy import Connection

from byline.store import note_change

LABELS = "labels"  # what a label lookup answers: live labels, their names, the viewer rules
API_KEYS = "api_keys"  # which keys authenticate (a revocation)


def labels_changed(conn: Connection) -> None:
    """The transaction on ``conn`` changes what a label lookup may answer."""
    note_change(conn, LABELS)


def api_keys_changed(conn: Connection) -> None:
    """The transaction on ``conn`` revokes a key: caches of authenticated keys must forget."""
    note_change(conn, API_KEYS)
