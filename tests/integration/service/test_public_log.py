"""The public log records each change the public sees, in the transaction of that change: a
label going up (required or volunteered), coming down (withdrawn, erased), in audit order, with
what it was decided on and never a name; its tree is the RFC 6962 tree of those entries."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from byline import translog
from byline.audit._tables import audit_log
from byline.domain.merkle import leaf_hash, root
from byline.domain.vocabulary import AccountKind, ErasureReason
from byline.service.cycle import run_cycle
from byline.service.programme import Actor, Programme
from byline.store import Database

from factories import write_snapshot

ACTOR = Actor("test")
NAMES = ("王高飞", "Sun Li")


@pytest.fixture
def logged(programme: Programme, db: Database, tmp_path: Path) -> list[dict[str, object]]:
    rows = [
        {"account_id": "star", "kind": "individual", "category": "finance", "followers": 3_000_000},
        {"account_id": "small", "kind": "individual", "category": "law", "followers": 1_000},
    ]
    run_cycle(db, write_snapshot(tmp_path / "s.parquet", rows), "weibo", dt.date(2023, 10, 16))
    programme.submit("weibo", "star", NAMES[0], consent=True, actor=ACTOR)
    programme.approve("weibo", "star", actor=ACTOR)
    programme.volunteer(
        "weibo", "small", NAMES[1], AccountKind.INDIVIDUAL, actor=ACTOR, metrics={"followers": 1000}
    )
    programme.approve("weibo", "small", actor=ACTOR)
    programme.withdraw("weibo", "small", actor=ACTOR)
    programme.erase("weibo", "star", actor=ACTOR, reason=ErasureReason.ERASURE_REQUEST)
    with db.reading() as conn:
        return [json.loads(e) for _, e in translog.entries(conn, "weibo", 0, 100)]


def test_each_public_change_is_one_entry_in_audit_order(
    logged: list[dict[str, object]], db: Database
) -> None:
    assert [(e["account_id"], e["event"], e["basis"]) for e in logged] == [
        ("star", "disclosed", "required"),
        ("small", "disclosed", "volunteered"),
        ("small", "withdrawn", "volunteered"),
        ("star", "erased", "required"),
    ]
    seqs = [e["audit_seq"] for e in logged]
    assert seqs == sorted(seqs)
    with db.reading() as conn:
        query = select(audit_log.c.seq, audit_log.c.action).where(audit_log.c.seq.in_(seqs))
        actions = {seq: action for seq, action in conn.execute(query)}
    assert [actions[s] for s in seqs] == [
        "case:disclosed",
        "case:disclosed",
        "case:withdrawn",
        "case:name_erased",
    ]
    first = logged[0]
    assert first["tier"] == "weibo.tier.1m" and first["counts"] == {"followers": 3_000_000}
    assert first["floor"] == {"followers": 500_000} and first["policy_id"] == "weibo"


def test_entries_carry_no_name_and_the_tree_is_theirs(
    logged: list[dict[str, object]], db: Database
) -> None:
    with db.reading() as conn:
        texts = [e for _, e in translog.entries(conn, "weibo", 0, 100)]
        hashes = translog.leaves(conn, "weibo")
        assert translog.size(conn, "weibo") == 4 and translog.size(conn, "douyin") == 0
    for text in texts:
        assert not any(name in text for name in NAMES)
        assert text == translog.canonical(json.loads(text))  # canonical as stored
    assert hashes == [leaf_hash(t.encode()) for t in texts]
    assert root(hashes) == root([leaf_hash(t.encode()) for t in texts])


def test_a_change_rolled_back_leaves_no_entry(
    programme: Programme, db: Database, tmp_path: Path
) -> None:
    rows = [
        {"account_id": "star", "kind": "individual", "category": "finance", "followers": 3_000_000}
    ]
    run_cycle(db, write_snapshot(tmp_path / "s.parquet", rows), "weibo", dt.date(2023, 10, 16))
    programme.submit("weibo", "star", NAMES[0], consent=True, actor=ACTOR)
    with pytest.raises(RuntimeError), db.transaction() as conn:
        translog.append(conn, "weibo", {"event": "disclosed"}, 1, dt.datetime.now(dt.UTC))
        raise RuntimeError("the change fails after its entry was written")
    with db.reading() as conn:
        assert translog.size(conn, "weibo") == 0
