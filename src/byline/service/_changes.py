"""What a transaction changed: for this process's caches (see ``Database.on_commit``) and, for
labels, for every process (a per-platform counter in the database)."""

from __future__ import annotations

from byline import cases
from byline.store import Connection, note_change

LABELS = "labels"  # what a label lookup answers: live labels, their names, the viewer rules
API_KEYS = "api_keys"  # which keys authenticate (a revocation)

_RAISED = "byline.label_versions_raised"  # Connection.info: (transaction, platforms raised)


def labels_changed(conn: Connection, platform: str) -> None:
    """The transaction on ``conn`` changes what a label lookup on ``platform`` may answer: tell
    this process's caches once it commits, and raise the platform's label version with it (once
    per transaction or savepoint), so other processes see it moved.

    Call it after the transaction's audit append: every writer then takes the audit head's lock
    before the version row's, never the reverse, so two writers cannot deadlock on the pair."""
    note_change(conn, LABELS)
    # The innermost transaction: a savepoint rolled back takes its raise with it.
    transaction = conn.get_nested_transaction() or conn.get_transaction()
    raised: tuple[object, set[str]] | None = conn.info.get(_RAISED)
    if raised is None or raised[0] is not transaction:
        raised = conn.info[_RAISED] = (transaction, set())
    if platform in raised[1]:
        return
    cases.raise_label_version(conn, platform)
    raised[1].add(platform)


def api_keys_changed(conn: Connection) -> None:
    """The transaction on ``conn`` revokes a key: caches of authenticated keys must forget."""
    note_change(conn, API_KEYS)
