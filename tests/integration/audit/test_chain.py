"""The audit chain detects an edited, deleted, inserted or reordered entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update

from byline.audit import AuditAction, AuditEntry, append, entries_for, verify
from byline.audit._tables import audit_log
from byline.store import Database

T0 = dt.datetime(2023, 12, 22, tzinfo=dt.UTC)


def fill(db: Database, n: int = 5) -> None:
    with db.transaction() as conn:
        for i in range(n):
            append(
                conn,
                AuditEntry(
                    at=T0 + dt.timedelta(minutes=i),
                    actor="cycle",
                    action=AuditAction.CASE_NOTIFIED,
                    case_id=f"c{i}",
                    account_id=f"a{i}",
                    policy_version="weibo 2023.12",
                    before={"state": "required"},
                    after={"state": "notified"},
                ),
            )


def test_intact_chain_verifies(db: Database) -> None:
    fill(db)
    with db.reading() as conn:
        report = verify(conn)
        assert (report.ok, report.entries) == (True, 5)
        assert [e["case_id"] for e in entries_for(conn, account_id="a3")] == ["c3"]


@pytest.mark.parametrize(
    "tamper, bad_seq",
    [
        ("edit", 3),
        ("delete", 3),
        ("delete_last", 5),
        ("insert", 3),
        ("reorder", 2),
    ],
)
def test_tampering_is_detected_at_the_first_bad_entry(
    db: Database, tamper: str, bad_seq: int
) -> None:
    fill(db)
    with db.transaction() as conn:
        if tamper == "edit":
            conn.execute(
                update(audit_log).where(audit_log.c.seq == 3).values(after={"state": "disclosed"})
            )
        elif tamper == "delete":
            conn.execute(delete(audit_log).where(audit_log.c.seq == 3))
        elif tamper == "delete_last":
            conn.execute(delete(audit_log).where(audit_log.c.seq == 5))
        elif tamper == "insert":
            rows = [
                dict(r)
                for r in conn.execute(
                    select(audit_log).where(audit_log.c.seq >= 3).order_by(audit_log.c.seq.desc())
                ).mappings()
            ]
            for row in rows:  # shift entries 3.. up by one, then forge a new entry 3
                conn.execute(
                    update(audit_log)
                    .where(audit_log.c.seq == row["seq"])
                    .values(seq=row["seq"] + 1)
                )
            forged = {**rows[-1], "seq": 3, "actor": "intruder"}
            conn.execute(insert(audit_log).values(**forged))
        elif tamper == "reorder":
            a, b = (
                dict(r)
                for r in conn.execute(
                    select(audit_log).where(audit_log.c.seq.in_([2, 3])).order_by(audit_log.c.seq)
                ).mappings()
            )
            conn.execute(delete(audit_log).where(audit_log.c.seq.in_([2, 3])))
            conn.execute(insert(audit_log).values(**{**b, "seq": 2}))
            conn.execute(insert(audit_log).values(**{**a, "seq": 3}))
    with db.reading() as conn:
        report = verify(conn)
    assert not report.ok
    assert report.first_bad_seq == bad_seq, report


def test_appends_continue_the_chain_across_transactions(db: Database) -> None:
    fill(db, 2)
    fill(db, 3)
    with db.reading() as conn:
        assert verify(conn).entries == 5


def test_a_cut_tail_with_a_rewritten_head_is_caught_by_the_witness(db: Database) -> None:
    from byline.audit import head
    from byline.audit._tables import audit_head

    fill(db, 5)
    with db.reading() as conn:
        witnessed = head(conn)
    with db.transaction() as conn:  # cut entries 4 and 5 and make the head agree
        conn.execute(delete(audit_log).where(audit_log.c.seq >= 4))
        third = conn.execute(select(audit_log.c.hash).where(audit_log.c.seq == 3)).scalar_one()
        conn.execute(update(audit_head).values(seq=3, hash=third))
    with db.reading() as conn:
        assert verify(conn).ok  # the chain alone cannot tell
        report = verify(conn, witnessed)
    assert not report.ok and report.first_bad_seq == 5


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_db(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Database]:
    """A new database of its own (separate connections, no rolled-back outer transaction)."""
    from byline.store.migrate import upgrade
    from support.postgres import scratch_database

    if request.param == "sqlite":
        database = Database.from_url(f"sqlite:///{tmp_path / 'fresh.db'}")
        upgrade(database.engine)
        yield database
        database.dispose()
        return
    admin = request.getfixturevalue("postgres_url").rsplit("/", 1)[0] + "/postgres"
    with scratch_database(admin) as url:
        database = Database.from_url(url)
        upgrade(database.engine)
        yield database
        database.dispose()


def test_two_writers_of_the_very_first_entry_both_land_in_one_chain(fresh_db: Database) -> None:
    """The first append of a new database creates the head row: a second writer arriving at
    the same moment waits for it instead of failing on its key (two cycles started together)."""
    import threading
    import time

    at = dt.datetime(2023, 12, 22, tzinfo=dt.UTC)
    errors: list[BaseException] = []
    first_appended = threading.Event()

    def first() -> None:
        try:
            with fresh_db.transaction() as conn:
                append(conn, AuditEntry(at=at, actor="a", action=AuditAction.CYCLE_STARTED))
                first_appended.set()
                time.sleep(0.5)  # the second writer arrives before this commits
        except BaseException as exc:  # reported below
            errors.append(exc)
            first_appended.set()

    def second() -> None:
        first_appended.wait(10)
        try:
            with fresh_db.transaction() as conn:
                append(conn, AuditEntry(at=at, actor="b", action=AuditAction.CYCLE_STARTED))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    with fresh_db.reading() as conn:
        assert sorted(e["actor"] for e in entries_for(conn)) == ["a", "b"]
        assert verify(conn).ok
