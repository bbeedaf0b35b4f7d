"""The store's dialect-aware statements do the same on PostgreSQL and SQLite."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from byline.cases._tables import label_versions, observations
from byline.store import (
    Database,
    display_url,
    insert_if_absent,
    insert_ignoring_present,
    normalise_url,
    sqlite_file,
    sqlite_url,
    upsert,
)


def _versions(db: Database) -> dict[str, int]:
    with db.reading() as conn:
        return {p: v for p, v in conn.execute(select(label_versions)).all()}


def test_insert_if_absent_says_who_wrote_the_row(db: Database) -> None:
    with db.transaction() as conn:
        assert insert_if_absent(
            conn, label_versions, {"platform": "p", "version": 1}, key=["platform"]
        )
        assert not insert_if_absent(
            conn, label_versions, {"platform": "p", "version": 9}, key=["platform"]
        )
    assert _versions(db) == {"p": 1}


def test_insert_ignoring_present_keeps_what_is_there(db: Database) -> None:
    with db.transaction() as conn:
        insert_ignoring_present(conn, label_versions, [{"platform": "a", "version": 1}])
        insert_ignoring_present(
            conn,
            label_versions,
            [{"platform": "a", "version": 5}, {"platform": "b", "version": 2}],
            key=["platform"],
        )
        insert_ignoring_present(conn, label_versions, [])
    assert _versions(db) == {"a": 1, "b": 2}


def test_upsert_inserts_then_updates_by_expression(db: Database) -> None:
    for _ in range(3):
        with db.transaction() as conn:
            upsert(
                conn,
                label_versions,
                {"platform": "p", "version": 1},
                key=["platform"],
                update={"version": label_versions.c.version + 1},
            )
    assert _versions(db) == {"p": 3}


def test_upsert_with_a_condition_leaves_newer_rows_alone(db: Database) -> None:
    day = dt.date(2024, 3, 1)

    def push(rows: list[tuple[str, dt.date]]) -> None:
        with db.transaction() as conn:
            upsert(
                conn,
                observations,
                [
                    {"platform": "p", "account_id": a, "observed_on": on, "source": f"s{on.day}"}
                    for a, on in rows
                ],
                key=["platform", "account_id"],
                update=["observed_on", "source"],
                where=lambda new: observations.c.observed_on <= new.observed_on,
            )

    push([("a", day), ("b", day)])
    push([("a", day - dt.timedelta(days=1)), ("b", day + dt.timedelta(days=1))])
    with db.reading() as conn:
        rows = dict(conn.execute(select(observations.c.account_id, observations.c.source)).all())
    assert rows == {"a": "s1", "b": "s2"}


def test_sqlite_urls_and_files(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    assert sqlite_url(path) == f"sqlite:///{path.resolve()}"
    assert normalise_url(str(path)) == sqlite_url(path)
    assert sqlite_file(str(path)) == path.resolve()
    assert sqlite_file(sqlite_url(path)) == path.resolve()
    assert sqlite_file("sqlite://") is None
    assert sqlite_file("postgresql://u:secret@h/db") is None
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert "secret" not in display_url("postgresql://u:secret@h/db")
