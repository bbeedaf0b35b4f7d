"""Cycles over real databases: cases opened in phase order and batches, notices, deadlines,
release, idempotency — with every effect in the outbox and the audit trail."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import func, select

from byline import audit, cases, outbox
from byline.audit._tables import audit_log
from byline.cases import _tables as case_tables
from byline.domain.vocabulary import (
    ErasureReason,
    RefusalReason,
    RejectionReason,
    StaffReadReason,
)
from byline.outbox import _tables as outbox_tables
from byline.service.cycle import run_cycle
from byline.service.programme import Actor, Programme
from byline.store import Database

from factories import write_snapshot

GOOD = {"kind": "individual", "category": "finance"}
PHASE_1M = dt.date(2023, 10, 16)
PHASE_500K = dt.date(2023, 12, 22)


def snapshot(tmp_path: Path, name: str, followers: dict[str, int]) -> Path:
    rows = [{"account_id": a, **GOOD, "followers": f} for a, f in followers.items()]
    rows.append(
        {
            "account_id": "food",
            "kind": "individual",
            "category": "daily_life",
            "followers": 5_000_000,
        }
    )
    rows.append({"account_id": "bad", "kind": "robot", "category": "finance", "followers": 1})
    return write_snapshot(tmp_path / f"{name}.parquet", rows)


def counts(db: Database) -> tuple[int, int, int]:
    with db.reading() as conn:
        return (
            conn.execute(select(func.count()).select_from(audit_log)).scalar_one(),
            conn.execute(select(func.count()).select_from(outbox_tables.outbox)).scalar_one(),
            conn.execute(select(func.count()).select_from(case_tables.cases)).scalar_one(),
        )


def states(db: Database) -> dict[str, str]:
    with db.reading() as conn:
        return {
            r.account_id: r.state
            for r in conn.execute(select(case_tables.cases.c.account_id, case_tables.cases.c.state))
        }


BASE = {"big": 3_000_000, "mid": 1_200_000, "small": 700_000, "tiny": 499_999}


def test_first_phase_opens_and_notifies_only_its_tier(db: Database, tmp_path: Path) -> None:
    report = run_cycle(db, snapshot(tmp_path, "s", BASE), "weibo", PHASE_1M)
    assert report.evaluation == {"read": 6, "accepted": 5, "rejected": 1, "required": 2}
    assert states(db) == {"big": "notified", "mid": "notified"}
    assert report.actions == {"case:notified": 2, "case:opened": 2}
    with db.reading() as conn:
        notices = [m for m in outbox.list_messages(conn) if m["topic"] != "audit"]
    assert sorted(m["account_id"] for m in notices) == ["big", "mid"]
    assert all(m["topic"] == "notice" for m in notices)


def test_same_inputs_twice_give_no_new_effects(db: Database, tmp_path: Path) -> None:
    snap = snapshot(tmp_path, "s", BASE)
    first = run_cycle(db, snap, "weibo", PHASE_1M)
    before = counts(db)
    again = run_cycle(db, snap, "weibo", PHASE_1M)
    assert again.already_done and again.cycle_id == first.cycle_id
    assert counts(db) == before


def test_second_phase_and_batches_in_phase_order(db: Database, tmp_path: Path) -> None:
    policy = tmp_path / "weibo-batched.toml"
    from byline.policy import preset_path

    policy.write_text(
        preset_path("weibo").read_text().replace("batch_size = 5000", "batch_size = 2")
    )
    followers = {"a": 600_000, "b": 900_000, "c": 2_000_000, "d": 5_000_000, "e": 550_000}
    snap = snapshot(tmp_path, "s", followers)
    run_cycle(db, snap, policy, PHASE_500K)
    # 1M tier first, biggest first: d and c
    assert states(db) == {k: "notified" if k in "dc" else "required" for k in followers}
    run_cycle(db, snap, policy, PHASE_500K + dt.timedelta(days=1))
    notified = {k for k, v in states(db).items() if v == "notified"}
    assert notified == {"d", "c", "b", "a"}  # then the 500K tier, biggest first


def test_deadline_sweep_applies_penalties(db: Database, tmp_path: Path) -> None:
    snap = snapshot(tmp_path, "s", BASE)
    run_cycle(db, snap, "weibo", PHASE_1M)
    report = run_cycle(db, snap, "weibo", dt.date(2023, 11, 2))
    assert report.actions == {"case:overdue": 2}
    assert report.restricted_accounts == 2
    with db.reading() as conn:
        row = conn.execute(
            select(case_tables.enforcement).where(case_tables.enforcement.c.account_id == "big")
        ).one()
    assert {r["restriction"] for r in row.restrictions} == {
        "recommendation_feed",
        "hot_search",
        "ad_revenue_share",
        "tipping",
    }


def test_release_after_drop_respects_anti_purge_hold(db: Database, tmp_path: Path) -> None:
    run_cycle(db, snapshot(tmp_path, "s1", BASE), "weibo", PHASE_1M)
    purged = snapshot(tmp_path, "s2", {**BASE, "big": 100_000})
    report = run_cycle(db, purged, "weibo", PHASE_1M + dt.timedelta(days=1))
    assert report.actions.get("case:flagged") == 1  # the steep drop is flagged for review
    with db.reading() as conn:
        big = cases.open_case(conn, "weibo", "big")
    assert big is not None and "steep_drop" in big.flags
    run_cycle(db, purged, "weibo", PHASE_1M + dt.timedelta(days=45))
    assert states(db)["big"] != "released"  # held: within 90 days of the notice
    report = run_cycle(db, purged, "weibo", PHASE_1M + dt.timedelta(days=91))
    assert report.actions.get("case:released") == 1
    assert states(db)["big"] == "released"


def test_creator_and_reviewer_path_to_a_live_label(
    programme: Programme, db: Database, tmp_path: Path
) -> None:
    run_cycle(db, snapshot(tmp_path, "s", BASE), "weibo", PHASE_1M)
    creator, reviewer = Actor("creator:big", "req-1"), Actor("reviewer:ann", "req-2")
    programme.submit("weibo", "big", "Zhang Wei", consent=True, actor=creator)
    case = programme.approve("weibo", "big", actor=reviewer)
    assert case.state.value == "disclosed"
    with db.reading() as conn:
        label = conn.execute(
            select(case_tables.labels).where(case_tables.labels.c.account_id == "big")
        ).one()
        assert label.live and label.fields == ["real_name"]
        assert programme.vault.label_name(conn, "weibo/big", label.name_id) == "Zhang Wei"
        messages = outbox.list_messages(conn)
        entries = audit.entries_for(conn, account_id="big")
    assert {"label", "enforcement", "notice"} <= {m["topic"] for m in messages}
    assert [e["action"] for e in entries][-3:] == [
        "case:submitted",
        "case:verified",
        "case:disclosed",
    ]
    assert entries[-1]["request_id"] == "req-2"


def test_no_plaintext_name_outside_the_vault(
    programme: Programme, db: Database, tmp_path: Path
) -> None:
    run_cycle(db, snapshot(tmp_path, "s", BASE), "weibo", PHASE_1M)
    name = "Li Xiaolong 李小龙"
    programme.submit("weibo", "big", name, consent=True, actor=Actor("creator"))
    programme.approve("weibo", "big", actor=Actor("rev"))
    assert (
        programme.reveal_name("weibo", "big", actor=Actor("rev"), reason=StaffReadReason.REVIEW)
        == name
    )
    with db.reading() as conn:
        from byline.store.migrate import full_metadata

        for table in full_metadata().sorted_tables:
            for row in conn.execute(select(table)):
                text = repr(tuple(row))
                assert "Li Xiaolong" not in text and "李小龙" not in text, table.name
                assert b"Li Xiaolong" not in b"".join(v for v in row if isinstance(v, bytes)), (
                    table.name
                )
        decrypted = [
            e  # the vault names its subject "<platform>/<account>"
            for e in audit.entries_for(conn, account_id="weibo/big")
            if e["action"] == "name:decrypted"
        ]
        assert len(decrypted) == 1 and decrypted[0]["actor"] == "rev"
        assert audit.verify(conn).ok


def test_platforms_are_tenants_even_with_the_same_account_ids(
    programme: Programme, db: Database, tmp_path: Path
) -> None:
    snap = snapshot(tmp_path, "s", BASE)
    run_cycle(db, snap, "weibo", PHASE_1M)
    run_cycle(db, snap, "douyin", dt.date(2023, 11, 1))
    programme.refuse("douyin", "big", actor=Actor("creator"))
    assert programme.show("weibo", "big").state == "notified"
    assert programme.show("douyin", "big").state == "refused"
    assert programme.enforcement("weibo", "big").restrictions == ()
    assert len(programme.enforcement("douyin", "big").restrictions) > 0
    assert {c.account_id for c in programme.list_cases("weibo")} == {"big", "mid"}
    assert programme.enforcement_changes("weibo").changes == ()


def test_reasons_are_codes_and_notes_stay_in_the_vault(
    programme: Programme, db: Database, tmp_path: Path
) -> None:
    run_cycle(db, snapshot(tmp_path, "s", BASE), "weibo", PHASE_1M)
    programme.submit("weibo", "big", "Zhang Wei", consent=True, actor=Actor("creator"))
    programme.reject(
        "weibo",
        "big",
        RejectionReason.NAME_MISMATCH,
        actor=Actor("rev"),
        note="ID card says ZHANG WEI, not Zhang Wei",
    )
    programme.refuse(
        "weibo",
        "big",
        actor=Actor("creator"),
        reason=RefusalReason.SAFETY,
        note="I am Zhang Wei, leave me be",
    )
    with db.reading() as conn:
        entries = audit.entries_for(conn, account_id="big")
        kept = repr(entries) + repr(outbox.list_messages(conn, limit=1000))
        bodies = [r.payload for r in conn.execute(select(outbox_tables.outbox))]
        payloads = repr(bodies)
    for text in (kept, payloads):
        assert "Zhang" not in text and "ZHANG" not in text
    rejected = next(e for e in entries if e["action"] == "case:rejected")
    assert rejected["detail"]["reason"] == "name_mismatch"
    notice = next(b for b in bodies if b.get("template") == "rejected")
    assert notice["reason"] == "name_mismatch" and "note_id" not in notice
    note_id = rejected["detail"]["note_id"]
    assert (
        programme.reveal_note(
            "weibo", "big", note_id, actor=Actor("rev"), reason=StaffReadReason.REVIEW
        )
        == "ID card says ZHANG WEI, not Zhang Wei"
    )
    with db.reading() as conn:
        read = audit.entries_for(conn, account_id="weibo/big")[-1]
        assert read["action"] == "note:decrypted" and read["detail"]["note_id"] == note_id
        assert audit.verify(conn).ok


def test_erasure_takes_the_label_down(programme: Programme, db: Database, tmp_path: Path) -> None:
    run_cycle(db, snapshot(tmp_path, "s", BASE), "weibo", PHASE_1M)
    programme.submit("weibo", "big", "Zhang Wei", consent=True, actor=Actor("creator"))
    programme.approve("weibo", "big", actor=Actor("rev"))
    assert (
        programme.erase("weibo", "big", actor=Actor("dpo"), reason=ErasureReason.ERASURE_REQUEST)
        == 1
    )
    view = programme.show("weibo", "big")
    assert view.state == "notified" and not view.name_on_file
    with db.reading() as conn:
        label = conn.execute(
            select(case_tables.labels).where(case_tables.labels.c.account_id == "big")
        ).one()
        topics = [
            m["topic"] for m in outbox.list_messages(conn, limit=1000) if m["account_id"] == "big"
        ]
    assert not label.live and topics.count("label") == 2  # shown, then taken down


def test_each_cycle_sends_the_audit_head_to_the_platform(db: Database, tmp_path: Path) -> None:
    report = run_cycle(db, snapshot(tmp_path, "s", BASE), "weibo", PHASE_1M)
    with db.reading() as conn:
        sent = [r.payload for r in conn.execute(select(outbox_tables.outbox)) if r.topic == "audit"]
        assert sent == [
            {"seq": audit.head(conn)[0], "hash": audit.head(conn)[1], "cycle_id": report.cycle_id}
        ]
        assert audit.verify(conn, (sent[0]["seq"], sent[0]["hash"])).ok


def test_a_new_version_must_keep_the_tiers_of_open_cases(db: Database, tmp_path: Path) -> None:
    import pytest

    from byline.policy import preset_path

    snap = snapshot(tmp_path, "s", BASE)
    run_cycle(db, snap, "weibo", PHASE_1M)
    renamed = tmp_path / "weibo-renamed.toml"
    renamed.write_text(preset_path("weibo").read_text().replace("weibo.tier.1m", "weibo.tier.top"))
    with pytest.raises(ValueError, match=r"drops tiers that open cases are in: weibo\.tier\.1m"):
        run_cycle(db, snap, renamed, PHASE_1M + dt.timedelta(days=7))


def test_a_cycle_opens_no_case_on_counts_older_than_a_push(db: Database, tmp_path: Path) -> None:
    from byline.service.counts import CountUpdate, apply_counts

    run_cycle(db, snapshot(tmp_path, "s1", BASE), "weibo", PHASE_1M)
    pushed = apply_counts(
        db,
        "weibo",
        [CountUpdate("rising", "individual", "finance", {"followers": 200_000})],  # type: ignore[arg-type]
        PHASE_1M + dt.timedelta(days=20),
        actor="platform",
    )
    assert pushed.stale == 0 and "case:opened" not in pushed.actions
    # A snapshot as of an earlier day, newer than the last cycle, says 5,000,000.
    older = snapshot(tmp_path, "s2", {**BASE, "rising": 5_000_000})
    report = run_cycle(db, older, "weibo", PHASE_1M + dt.timedelta(days=5))
    assert report.stale == 1 and "rising" not in states(db)
    with db.reading() as conn:
        [entry] = [e for e in audit.entries_for(conn) if e["action"] == "observation:stale"]
    assert entry["detail"]["accounts"] == ["rising"] and entry["detail"]["source"] == "cycle"
    # A snapshot as of the push's day or later decides as usual.
    later = run_cycle(db, older, "weibo", PHASE_1M + dt.timedelta(days=20))
    assert later.stale == 0 and states(db)["rising"] == "notified"


def test_a_cycle_older_than_the_newest_is_refused_and_audited(db: Database, tmp_path: Path) -> None:
    import pytest

    from byline.service.cycle import StaleSnapshot

    snap = snapshot(tmp_path, "s", BASE)
    run_cycle(db, snap, "weibo", PHASE_1M + dt.timedelta(days=3))
    before = states(db)
    with pytest.raises(StaleSnapshot, match="older than the platform's newest cycle"):
        run_cycle(db, snapshot(tmp_path, "s2", {**BASE, "tiny": 9_000_000}), "weibo", PHASE_1M)
    assert states(db) == before
    with db.reading() as conn:
        actions = [e["action"] for e in audit.entries_for(conn)]
    assert actions.count("observation:stale") == 1
    # The same cycle again (a re-run after a crash) is not refused by its own date.
    assert run_cycle(db, snap, "weibo", PHASE_1M + dt.timedelta(days=3)).already_done
