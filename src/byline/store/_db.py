"""Connecting to the database: SQLite by default, PostgreSQL in production; one transaction per
use case."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event

DEFAULT_DB_FILE = "byline.db"


def default_url() -> str:
    """``BYLINE_DB`` if set, else a SQLite file in the working directory."""
    return os.environ.get("BYLINE_DB") or f"sqlite:///{Path.cwd() / DEFAULT_DB_FILE}"


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and plain file paths; use the psycopg 3 driver for PostgreSQL."""
    if "://" not in url:
        return f"sqlite:///{Path(url).resolve()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
            # Let SQLAlchemy, not the driver, decide when a transaction begins, so that BEGIN
            # IMMEDIATE takes the write lock up front and SAVEPOINTs work.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
                return  # a read-only connection (see Database.reading)
            conn.exec_driver_sql("BEGIN IMMEDIATE")

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

    @classmethod
    def from_url(cls, url: str | None = None) -> Database:
        return cls(make_engine(url or default_url()))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        if self._connection is not None:
            with self._connection.begin_nested():
                yield self._connection
            return
        with self.engine.begin() as conn:
            yield conn

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
