"""The schema comes from migrations on both backends, and the migrations match the code."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select

from byline.audit import audit_log
from byline.store import Database
from byline.store.migrate import drift, revisions


def test_database_is_at_the_newest_revision(engine: Engine) -> None:
    current, head = revisions(engine)
    assert current == head is not None


def test_no_drift_between_migrations_and_tables(engine: Engine) -> None:
    assert drift(engine) == []


def test_times_come_back_aware_utc(db: Database) -> None:
    at = dt.datetime(2023, 12, 22, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with db.transaction() as conn:
        conn.execute(
            audit_log.insert().values(
                seq=1, at=at, actor="t", action="x", prev_hash="0", hash="0", detail={"k": [1]}
            )
        )
        row = conn.execute(select(audit_log.c.at, audit_log.c.detail)).one()
    assert row.at == at and row.at.tzinfo is not None and row.at.utcoffset() == dt.timedelta(0)
    assert row.detail == {"k": [1]}


def test_naive_times_are_refused(db: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"), db.transaction() as conn:
        conn.execute(
            audit_log.insert().values(
                seq=1, at=dt.datetime(2023, 1, 1), actor="t", action="x", prev_hash="0", hash="0"
            )
        )


def test_each_test_starts_empty(db: Database) -> None:
    """The fixture's rollback works: earlier tests' rows are gone."""
    with db.reading() as conn:
        assert conn.execute(select(audit_log)).first() is None
