"""Migrations (Alembic): apply them, tell whether a database is current, detect drift."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData

from byline.store._tables import metadata

# Every module that defines tables on ``metadata``; imported by name so that the store layer
# does not import the packages above it.
TABLE_MODULES = (
    "byline.audit._tables",
    "byline.cases._tables",
    "byline.vault._tables",
    "byline.outbox._tables",
    "byline.access._tables",
    "byline.translog._tables",
    "byline.displays._tables",
)
_MIGRATIONS = Path(__file__).parent / "migrations"


def full_metadata() -> MetaData:
    for module in TABLE_MODULES:
        importlib.import_module(module)
    return metadata


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (by default the newest)."""
    config = _config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database back to ``revision`` (developers and tests: a release never needs it)."""
    config = _config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def revisions(engine: Engine) -> tuple[str | None, str | None]:
    """(the database's revision, the newest revision)."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return current, head


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def drift(engine: Engine) -> list[Any]:
    """Differences between the migrated database and the tables the code defines (empty = none)."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, full_metadata()))


def new_revision(url: str, message: str) -> None:
    """Write a new migration from the difference between ``url``'s database and the code."""
    from byline.store._db import make_engine

    engine = make_engine(url)
    config = _config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.revision(config, message=message, autogenerate=True)


if __name__ == "__main__":  # python -m byline.store.migrate "message" (developers only)
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        scratch = f"sqlite:///{tmp}/scratch.db"
        from byline.store._db import make_engine

        upgrade(make_engine(scratch))
        new_revision(scratch, sys.argv[1] if len(sys.argv) > 1 else "change")
