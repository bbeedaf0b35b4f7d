"""Everything that differs between PostgreSQL and SQLite, in one place.

Byline runs on both; the packages above the store write portable SQLAlchemy Core and come here
for the few statements the two spell differently (an insert that ignores or merges a row that
is already there), for the type of a sequence column, for SQLite's file URLs and for the pragmas
every SQLite connection gets. No module outside ``byline.store`` reads the dialect's name
(``tests/unit/test_layers.py``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, Connection, Engine, Integer, Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.sql.elements import ColumnElement

Row = Mapping[str, Any]

SEQUENCE = BigInteger().with_variant(Integer, "sqlite")
"""The type of an auto-increment key: 64 bits on PostgreSQL; on SQLite an INTEGER PRIMARY KEY,
which is the rowid (and 64 bits)."""


def _insert(conn: Connection, table: Table) -> postgresql.Insert | sqlite.Insert:
    name = conn.dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"Byline runs on PostgreSQL or SQLite, not {name}")


def insert_if_absent(conn: Connection, table: Table, values: Row, *, key: Sequence[str]) -> bool:
    """Insert one row unless a row with the same ``key`` columns is there; whether this call
    inserted it (two writers racing for the same key: exactly one gets True)."""
    statement = (
        _insert(conn, table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[table.c[k] for k in key])
        # RETURNING, not rowcount: through SQLAlchemy and psycopg an INSERT reports -1.
        .returning(table.c[key[0]])
    )
    return conn.execute(statement).first() is not None


def insert_ignoring_present(
    conn: Connection, table: Table, rows: Sequence[Row], *, key: Sequence[str] | None = None
) -> None:
    """Insert ``rows``, skipping each that conflicts with a row already there (on ``key``, or on
    any unique constraint when ``key`` is None)."""
    if not rows:
        return
    index = None if key is None else [table.c[k] for k in key]
    conn.execute(_insert(conn, table).on_conflict_do_nothing(index_elements=index), list(rows))


def upsert(
    conn: Connection,
    table: Table,
    rows: Row | Sequence[Row],
    *,
    key: Sequence[str],
    update: Sequence[str] | Mapping[str, Any] | Callable[[Any], Mapping[str, Any]] | None = None,
    where: Callable[[Any], ColumnElement[bool]] | None = None,
) -> None:
    """Insert ``rows``, or update the row already there with the same ``key`` columns.

    ``update`` says what an existing row gets: column names take the new row's value, a mapping
    gives expressions over the table (``{"version": t.c.version + 1}``), a function of the
    proposed row's columns gives them over both (``lambda new: {"n": t.c.n + new.n}``); by
    default every column of the new row outside ``key``. ``where(new)`` (``new``: the proposed
    row's columns) limits the update to rows it holds for; the others stay as they are."""
    many = not isinstance(rows, Mapping)
    first: Row = rows[0] if many else rows  # type: ignore[index,assignment]
    if many and not rows:
        return
    statement = _insert(conn, table)
    new = statement.excluded
    if update is None:
        update = [c for c in first if c not in key]
    if callable(update):
        update = update(new)
    set_ = dict(update) if isinstance(update, Mapping) else {c: new[c] for c in update}
    statement = statement.on_conflict_do_update(
        index_elements=[table.c[k] for k in key],
        set_=set_,
        where=None if where is None else where(new),
    )
    if many:
        conn.execute(statement, list(rows))  # type: ignore[arg-type]
    else:
        conn.execute(statement.values(**first))


# --- SQLite files ---------------------------------------------------------------------------


def sqlite_url(path: str | Path) -> str:
    """The URL of the SQLite database in the file at ``path``."""
    return f"sqlite:///{Path(path).resolve()}"


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and plain file paths; use the psycopg 3 driver for PostgreSQL."""
    if "://" not in url:
        return sqlite_url(url)
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite database URL (or plain path); None for another database or an
    in-memory one."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return Path(str(parsed.database))
    return None


def display_url(url: str) -> str:
    """``url`` as it may be shown: without its password."""
    return make_url(normalise_url(url)).render_as_string(hide_password=True)


def is_sqlite(url: str) -> bool:
    return normalise_url(url).startswith("sqlite")


def sqlite_session(engine: Engine, *, durable: bool = True) -> None:
    """What every SQLite connection of ``engine`` gets: foreign keys enforced, write-ahead log,
    full sync (none when not ``durable``: a scratch database), and transactions that take the
    write lock when they begin."""

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins, so that BEGIN
        # IMMEDIATE takes the write lock up front and SAVEPOINTs work.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL" if durable else "PRAGMA synchronous = OFF")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Connection) -> None:
        if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return  # a read-only connection (see Database.reading)
        conn.exec_driver_sql("BEGIN IMMEDIATE")
