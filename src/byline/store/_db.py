"""Connecting to the database: SQLite by default, PostgreSQL in production; one transaction per
use case."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine

from byline.store._dialect import is_sqlite, normalise_url, sqlite_session, sqlite_url

DEFAULT_DB_FILE = "byline.db"
_CHANGES = "byline.changes"  # Connection.info key: the topics the open transaction changed


def note_change(conn: Connection, topic: str) -> None:
    """Say that the transaction on ``conn`` changes ``topic`` (e.g. ``"labels"``): once it
    commits, the ``Database``'s listeners for that topic are told (see ``on_commit``)."""
    changes = conn.info.get(_CHANGES)
    if changes is not None:
        changes.add(topic)


def default_url() -> str:
    """``BYLINE_DB`` if set, else a SQLite file in the working directory."""
    return os.environ.get("BYLINE_DB") or sqlite_url(Path.cwd() / DEFAULT_DB_FILE)


def make_engine(url: str, *, durable: bool = True) -> Engine:
    """An engine for ``url``. ``durable=False`` (SQLite only): commits are not synced to the
    disk, for a scratch database whose loss in a crash costs nothing (the demo's simulated
    weeks, rebuilt on every run)."""
    url = normalise_url(url)
    if is_sqlite(url):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        sqlite_session(engine, durable=durable)
        return engine
    return create_engine(url, pool_pre_ping=True)


class Database:
    """Where use cases get their transaction. Each ``transaction()`` commits or rolls back whole.

    Tests hand a ``Database`` bound to one connection inside an outer transaction; then each
    ``transaction()`` is a SAVEPOINT and the test's outer transaction is rolled back at the end.
    """

    def __init__(self, engine: Engine, connection: Connection | None = None) -> None:
        self.engine = engine
        self._connection = connection
        self._listeners: dict[str, list[Callable[[], None]]] = {}

    @classmethod
    def from_url(cls, url: str | None = None, *, durable: bool = True) -> Database:
        return cls(make_engine(url or default_url(), durable=durable))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def on_commit(self, topic: str, listener: Callable[[], None]) -> None:
        """Call ``listener`` after every transaction of this ``Database`` that changed ``topic``
        (``note_change``) has committed. In-process only: other processes' (and other
        ``Database`` objects') commits are not seen."""
        self._listeners.setdefault(topic, []).append(listener)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        changes: set[str] = set()
        if self._connection is not None:
            with self._connection.begin_nested(), _collecting(self._connection, changes):
                yield self._connection
        else:
            with self.engine.begin() as conn, _collecting(conn, changes):
                yield conn
        for topic in changes:  # committed (a SAVEPOINT released, in tests)
            for listener in self._listeners.get(topic, ()):
                listener()

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for reads only (no write lock is taken on SQLite)."""
        if self._connection is not None:
            yield self._connection
            return
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()


@contextmanager
def _collecting(conn: Connection, changes: set[str]) -> Iterator[None]:
    """Collect ``note_change`` topics into ``changes`` while the block runs (nested blocks on
    one connection collect into their own set and hand them to the enclosing one)."""
    outer = conn.info.get(_CHANGES)
    conn.info[_CHANGES] = changes
    try:
        yield
    finally:
        if conn.invalidated:
            # The connection was lost (a database restart): touching it now would raise
            # PendingRollbackError over the error that says why. Its record's info is cleared
            # when the pool connects it again, so nothing is left behind.
            pass
        elif outer is None:
            del conn.info[_CHANGES]
        else:
            conn.info[_CHANGES] = outer
            outer.update(changes)
