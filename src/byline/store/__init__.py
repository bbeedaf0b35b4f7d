"""Persistence: the database, the schema and its migrations, and all that differs between
PostgreSQL and SQLite (``_dialect``)."""

from sqlalchemy import Connection

from byline.store._db import Database, default_url, make_engine, note_change
from byline.store._dialect import (
    SEQUENCE,
    display_url,
    insert_if_absent,
    insert_ignoring_present,
    normalise_url,
    sqlite_file,
    sqlite_url,
    upsert,
)
from byline.store._errors import DatabaseError, Unreachable, database_unreachable
from byline.store._locks import Exclusive, Held
from byline.store._tables import JSONValue, UtcDateTime, metadata

__all__ = [
    "SEQUENCE",
    "Connection",
    "Database",
    "DatabaseError",
    "Exclusive",
    "Held",
    "JSONValue",
    "Unreachable",
    "UtcDateTime",
    "database_unreachable",
    "default_url",
    "display_url",
    "insert_if_absent",
    "insert_ignoring_present",
    "make_engine",
    "metadata",
    "normalise_url",
    "note_change",
    "sqlite_file",
    "sqlite_url",
    "upsert",
]
