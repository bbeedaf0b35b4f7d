"""The schema comes from migrations on both backends, and the migrations match the code."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.exc import IntegrityError

from byline.audit._tables import audit_log
from byline.store import Database, make_engine
from byline.store.migrate import downgrade, drift, revisions, upgrade
from support.postgres import postgres_server, scratch_database

TABLES = (
    "cases",
    "enforcement",
    "enforcement_changes",
    "labels",
    "label_versions",
    "cycles",
    "policy_activations",
    "observations",
    "case_assignments",
)


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


@pytest.fixture
def fresh_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of ``backend``, for walking the migrations."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'walk.db'}"
        return
    with postgres_server() as (admin_url, how):
        if admin_url is None:
            pytest.skip(how)
        with scratch_database(admin_url) as url:
            yield url


def test_the_platform_column_is_renamed_with_its_rows_and_back(fresh_url: str) -> None:
    """0011 renames ``policy_id`` to ``platform`` in the case tables, keeping every row and the
    one-open-case-per-account rule; its downgrade gives the old names back."""
    engine = make_engine(fresh_url)
    at = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    try:
        upgrade(engine, "0010")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO labels (policy_id, account_id, case_id, live, kind, fields, since)"
                    " VALUES ('weibo', 'a1', 'c1', true, 'person', '[]', :at)"
                ),
                {"at": at},
            )
            conn.execute(text("INSERT INTO label_versions VALUES ('weibo', 7)"))
        upgrade(engine)
        assert drift(engine) == []
        with engine.connect() as conn:
            assert conn.execute(text("SELECT platform, account_id FROM labels")).all() == [
                ("weibo", "a1")
            ]
            assert conn.execute(text("SELECT platform, version FROM label_versions")).all() == [
                ("weibo", 7)
            ]
            for table in TABLES:
                columns = {c["name"] for c in inspect(conn).get_columns(table)}
                assert "platform" in columns and "policy_id" not in columns, table
        _two_open_cases_refused(engine)
        downgrade(engine, "0010")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT policy_id FROM labels")).scalars().all() == ["weibo"]
            columns = {c["name"] for c in inspect(conn).get_columns("enforcement_changes")}
            assert "policy_id" in columns and "platform" not in columns
            indexes = {i["name"] for i in inspect(conn).get_indexes("enforcement_changes")}
            assert "ix_enforcement_changes_policy_id" in indexes
    finally:
        engine.dispose()


def _two_open_cases_refused(engine: Engine) -> None:
    row = (
        "INSERT INTO cases (case_id, account_id, open_account_id, platform, policy_version, state,"
        " voluntary, kind, opened_at, metrics, lingering, flags, updated_at, version)"
        " VALUES (:id, 'a1', 'a1', 'weibo', '1', 'opened', false, 'person', :at, '{}', '[]',"
        " '[]', :at, 1)"
    )
    at = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(text(row), {"id": "c1", "at": at})
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(row), {"id": "c2", "at": at})
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM cases"))


def test_webhook_secret_rotation_columns_come_and_go_with_their_rows(fresh_url: str) -> None:
    """0016 adds the previous secret and until when it signs (NULL for endpoints already
    there: no rotation under way); its downgrade drops them, keeping every endpoint."""
    engine = make_engine(fresh_url)
    at = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    endpoint = (
        "INSERT INTO webhook_endpoints (endpoint_id, platform, url, secret, topics, active,"
        " created_at) VALUES ('e1', 'weibo', 'https://hooks.example/h', 'whsec-0123456789abcdef',"
        " '[\"notice\"]', true, :at)"
    )
    try:
        upgrade(engine, "0016-1")
        with engine.begin() as conn:
            conn.execute(text(endpoint), {"at": at})
        upgrade(engine, "0016")
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT endpoint_id, previous_secret, previous_secret_until"
                    " FROM webhook_endpoints"
                )
            ).all()
        assert rows == [("e1", None, None)]
        upgrade(engine)
        assert drift(engine) == []
        downgrade(engine, "0016-1")
        with engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("webhook_endpoints")}
            kept = conn.execute(text("SELECT endpoint_id FROM webhook_endpoints")).all()
        assert kept == [("e1",)]
        assert "previous_secret" not in columns and "previous_secret_until" not in columns
    finally:
        engine.dispose()


def test_the_display_tables_come_and_go_with_0013(fresh_url: str) -> None:
    """0013 adds the name displays' tables (counts added to, records unique per minute, key,
    viewer and account); its downgrade takes them away and leaves 0012's tables as they were."""
    engine = make_engine(fresh_url)
    at = dt.datetime(2024, 3, 1, 9, 5, tzinfo=dt.UTC)
    try:
        upgrade(engine, "0012")
        with engine.connect() as conn:
            assert "display_counts" not in inspect(conn).get_table_names()
        upgrade(engine)
        assert drift(engine) == []
        record = (
            "INSERT INTO display_records (platform, minute, key_id, viewer_id, account_id)"
            " VALUES ('weibo', :at, 'byl_k', 'v1', 'a1')"
        )
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO display_counts (platform, account_id, day, viewer_class, shown)"
                    " VALUES ('weibo', 'a1', :day, 'verified', 3)"
                ),
                {"day": at.date()},
            )
            conn.execute(text(record), {"at": at})
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text(record), {"at": at})  # one row per minute, key, viewer, account
        with engine.connect() as conn:
            indexes = {i["name"] for i in inspect(conn).get_indexes("display_records")}
        assert indexes == {
            "ix_display_records_platform_viewer_id",
            "ix_display_records_platform_account_id",
        }
        downgrade(engine, "0012")
        with engine.connect() as conn:
            names = set(inspect(conn).get_table_names())
        assert not {"display_counts", "display_records"} & names
        assert {"log_entries", "log_keys"} <= names
        upgrade(engine)
        assert drift(engine) == []
    finally:
        engine.dispose()


def test_statements_and_lookup_tallies_come_and_go_with_0014(fresh_url: str) -> None:
    """0014 adds the statements of reasons and the label lookup tallies, each keyed as the code
    expects (one statement per enforcement change, one tally per day, result and rule); its
    downgrade removes both and leaves the rest."""
    engine = make_engine(fresh_url)
    at = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    try:
        upgrade(engine, "0012")
        assert "statements" not in inspect(engine).get_table_names()
        upgrade(engine)
        assert drift(engine) == []
        statement = (
            "INSERT INTO statements (statement_id, platform, account_id, case_id, change_seq,"
            " issued_at, body) VALUES (:id, 'weibo', 'a1', 'c1', 7, :at, '{}')"
        )
        with engine.begin() as conn:
            conn.execute(text(statement), {"id": "s1", "at": at})
            conn.execute(
                text("INSERT INTO label_lookups VALUES ('weibo', :day, 'hidden', 'banned', 3)"),
                {"day": at.date()},
            )
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text(statement), {"id": "s2", "at": at})  # the same change again
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(
                text("INSERT INTO label_lookups VALUES ('weibo', :day, 'hidden', 'banned', 1)"),
                {"day": at.date()},
            )
        downgrade(engine, "0012")
        names = set(inspect(engine).get_table_names())
        assert "statements" not in names and "label_lookups" not in names
        assert "log_entries" in names
    finally:
        engine.dispose()
