"""Persistence: the database, the schema and its migrations."""

from byline.store._db import (
    Database,
    default_url,
    insert_or,
    make_engine,
    normalise_url,
    note_change,
)
from byline.store._locks import Exclusive, Held
from byline.store._tables import JSONValue, UtcDateTime, metadata

__all__ = [
    "Database",
    "Exclusive",
    "Held",
    "JSONValue",
    "UtcDateTime",
    "default_url",
    "insert_or",
    "make_engine",
    "metadata",
    "normalise_url",
    "note_change",
]
