"""The programme report against a programme with a known history: a simulated one (weekly
cycles through both of weibo's phases, creators who comply, refuse, appeal, run late), plus
staff name reads, an erasure and label lookups done here. Every figure of the report is counted
again here, independently, from the tables (through other joins, other records and numpy), and
must match; statements of reasons exist for every restriction applied and for nothing else."""

from __future__ import annotations

import datetime as dt
import io
import json
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema_rs
import numpy as np
import pypdf
import pytest
from sqlalchemy import func, select

from byline.audit._tables import audit_log
from byline.cases._tables import cases, enforcement_changes, statements
from byline.domain.merkle import root
from byline.domain.vocabulary import ErasureReason, StaffReadReason
from byline.policy import load_policy
from byline.service import Actor, Services, open_services
from byline.service.reports import SCHEMA_FILE, STATEMENT_SCHEMA_FILE
from byline.service.simulation import GIVEN, SURNAMES, simulate
from byline.translog import Checkpoint, Verifier
from byline.translog._tables import log_entries

from factories import write_snapshot

STAFF_DAY = dt.datetime(2023, 12, 15, 10, 0, tzinfo=dt.UTC)
PERIODS = (
    (dt.date(2023, 9, 1), dt.date(2024, 6, 30)),  # the whole history
    (dt.date(2023, 11, 1), dt.date(2023, 12, 31)),  # cut through it
    (dt.date(2023, 12, 15), dt.date(2023, 12, 15)),  # one day
)
FIGURES = {
    "case:notified": "notices_sent",
    "case:disclosed": "disclosed",
    "case:overdue": "overdue",
    "case:refused": "refused",
    "case:released": "released",
    "case:withdrawn": "withdrawn",
    "case:volunteered": "volunteered",
}
APPEALS = {"case:appealed": "made", "case:appeal_upheld": "upheld", "case:appeal_denied": "denied"}


@dataclass
class History:
    services: Services
    workdir: Path


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[History]:
    workdir = tmp_path_factory.mktemp("report")
    rng = random.Random(5)
    rows = [
        {
            "account_id": f"acct-{i:04d}",
            "kind": "individual",
            "category": "finance",
            "followers": rng.choice(
                [rng.randint(400_000, 900_000), rng.randint(900_000, 3_000_000)]
            ),
        }
        for i in range(80)
    ]
    snapshot = write_snapshot(workdir / "snap.parquet", rows)
    (workdir / "work").mkdir()
    simulate(workdir / "work", snapshot, load_policy("weibo"), "weibo", seed=3)
    services = open_services(
        f"sqlite:///{workdir / 'work' / 'byline.db'}",
        clock=lambda: STAFF_DAY,
        key_file=workdir / "work" / "byline.keys.json",
        must_exist=True,
    )
    disclosed = _disclosed(services)
    staff = Actor("ann")
    for account in disclosed[:3]:
        services.reviews.reveal_name("weibo", account, actor=staff, reason=StaffReadReason.REVIEW)
    services.reviews.reveal_name(
        "weibo", disclosed[3], actor=staff, reason=StaffReadReason.COMPLAINT
    )
    services.cases.erase(
        "weibo", disclosed[4], actor=Actor("dpo"), reason=ErasureReason.ERASURE_REQUEST
    )
    tallies = services.lookups
    tallies.count("weibo", "shown", 5)
    tallies.count("weibo", "none", 4)
    tallies.count("weibo", "hidden", 3, "logged_out")
    tallies.count("weibo", "hidden", 2, "unverified")
    assert tallies.flush() == 14
    tallies.count("weibo", "shown", 1)  # a second flush adds to the day's rows
    assert tallies.flush() == 1
    yield History(services, workdir)
    services.close()


def _disclosed(services: Services) -> list[str]:
    with services.deps.db.reading() as conn:
        return sorted(
            conn.execute(
                select(cases.c.account_id).where(
                    cases.c.platform == "weibo", cases.c.state == "disclosed"
                )
            ).scalars()
        )


def _window(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(first, dt.time(), dt.UTC)
    return start, start + dt.timedelta(days=(last - first).days + 1)


def _days(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"count": 0, "median": None, "p90": None}
    return {
        "count": len(values),
        "median": round(float(np.median(values)), 2),
        "p90": round(float(np.percentile(values, 90, method="inverted_cdf")), 2),
    }


def independent(services: Services, first: dt.date, last: dt.date) -> dict[str, Any]:
    """The report's figures counted again from the tables, by other routes: case changes
    through the cases table's platform (not the audit entry's policy text), applied
    restrictions from the statements (not the enforcement feed), numpy for the days."""
    start, end = _window(first, last)
    a, c = audit_log.c, cases.c
    with services.deps.db.reading() as conn:
        changes = conn.execute(
            select(a.action, a.at, a.case_id, a.after)
            .join(cases, c.case_id == a.case_id)
            .where(c.platform == "weibo", a.at >= start, a.at < end)
            .where(a.action.in_([*FIGURES, *APPEALS]))
        ).all()
        per_tier: dict[Any, Counter[str]] = {}
        disclosures = []
        for action, at, case_id, after in changes:
            tally = per_tier.setdefault(after["tier"], Counter())
            tally[FIGURES.get(action) or f"appeal:{APPEALS[action]}"] += 1
            if action == "case:disclosed":
                disclosures.append((after["tier"], case_id, at))
        days: dict[Any, list[float]] = {}
        for tier, case_id, at in disclosures:
            noticed = conn.execute(
                select(func.min(a.at)).where(a.case_id == case_id, a.action == "case:notified")
            ).scalar()
            if noticed is not None:
                days.setdefault(tier, []).append((at - noticed).total_seconds() / 86400)
        issued = (
            conn.execute(
                select(statements.c.body).where(
                    statements.c.platform == "weibo",
                    statements.c.issued_at >= start,
                    statements.c.issued_at < end,
                )
            )
            .scalars()
            .all()
        )
        applied = Counter(r["restriction"] for s in issued for r in s["restrictions"])
        lifted: Counter[str] = Counter()
        held: dict[str, set[tuple[str, str]]] = {}
        e = enforcement_changes.c
        for account, at, restrictions in conn.execute(
            select(e.account_id, e.at, e.restrictions).where(e.platform == "weibo").order_by(e.seq)
        ):
            now = {(r["penalty_id"], r["restriction"]) for r in restrictions}
            if start <= at < end:
                lifted.update(r for _, r in held.get(account, set()) - now)
            held[account] = now
        reads = conn.execute(
            select(a.action, a.detail).where(
                a.action.in_(["name:decrypted", "name:erased"]),
                a.account_id.like("weibo/%"),
                a.at >= start,
                a.at < end,
            )
        ).all()
        entries = conn.execute(
            select(log_entries.c.idx, log_entries.c.entry, log_entries.c.leaf_hash)
            .where(log_entries.c.platform == "weibo")
            .order_by(log_entries.c.idx)
        ).all()
        head = conn.execute(
            select(a.seq, a.hash).where(a.at < end).order_by(a.seq.desc()).limit(1)
        ).first()
    with services.deps.db.reading() as conn:
        appended = dict(
            conn.execute(
                select(log_entries.c.idx, log_entries.c.appended_at).where(
                    log_entries.c.platform == "weibo"
                )
            ).all()
        )
    basis: Counter[str] = Counter()
    for idx, entry, _ in entries:
        body = json.loads(entry)
        if body["event"] == "disclosed" and start <= appended[idx] < end:
            basis[body["basis"]] += 1
    size = 1 + max((i for i, at in appended.items() if at < end), default=-1)
    return {
        "per_tier": per_tier,
        "days": days,
        "all_days": [d for v in days.values() for d in v],
        "issued": len(issued),
        "applied": applied,
        "lifted": lifted,
        "name_reads": Counter(d["reason"] for act, d in reads if act == "name:decrypted"),
        "erasures": Counter(d["reason"] for act, d in reads if act == "name:erased"),
        "basis": basis,
        "head": (head.seq, head.hash) if head else (0, "0" * 64),
        "size": size,
        "root": root([bytes(h) for _, _, h in entries[:size]]),
    }


@pytest.mark.slow
@pytest.mark.parametrize(("first", "last"), PERIODS)
def test_every_figure_matches_an_independent_count(
    history: History, first: dt.date, last: dt.date
) -> None:
    services = history.services
    report = services.reports.build("weibo", first, last)
    jsonschema_rs.validator_for(json.loads(SCHEMA_FILE.read_text())).validate(report)
    want = independent(services, first, last)

    rows = {row["tier"]: row for row in report["tiers"]}
    assert set(want["per_tier"]) <= set(rows)
    for tier, row in rows.items():
        counted = want["per_tier"].get(tier, Counter())
        for figure in FIGURES.values():
            assert row[figure] == counted[figure], (tier, figure)
        for figure in APPEALS.values():
            assert row["appeals"][figure] == counted[f"appeal:{figure}"], (tier, figure)
        assert row["days_to_disclosure"] == _days(want["days"].get(tier, [])), tier
    for figure in FIGURES.values():
        assert report["totals"][figure] == sum(r[figure] for r in rows.values())
    assert report["totals"]["days_to_disclosure"] == _days(want["all_days"])

    assert report["statements"]["issued"] == want["issued"]
    by_type = {r["restriction"]: r for r in report["restrictions"]}
    assert {k: v["applied"] for k, v in by_type.items() if v["applied"]} == dict(want["applied"])
    assert {k: v["lifted"] for k, v in by_type.items() if v["lifted"]} == dict(want["lifted"])

    assert report["staff_reads"]["names"]["by_reason"] == dict(want["name_reads"])
    assert report["erasures"]["by_reason"] == dict(want["erasures"])
    assert report["erasures"]["total"] == sum(want["erasures"].values())

    promise = report["threshold_promise"]
    assert promise["disclosures"] == {
        "required": want["basis"]["required"],
        "volunteered": want["basis"]["volunteered"],
    }
    assert promise["required_below_floor"] == 0
    assert (promise["audit_head"]["seq"], promise["audit_head"]["hash"]) == want["head"]
    log = promise["public_log"]
    assert log["size"] == want["size"]
    if want["size"]:
        verifier = Verifier.parse(services.public_log.key("weibo"))
        checkpoint = Checkpoint.open(log["checkpoint"], verifier)
        assert (checkpoint.size, checkpoint.root) == (want["size"], want["root"])

    lookups = report["label_lookups"]
    if first <= STAFF_DAY.date() <= last:
        assert lookups == {
            "days_counted": 1,
            "answered": 6,
            "not_disclosed": 4,
            "withheld": 5,
            "withheld_by_rule": {"logged_out": 3, "unverified": 2},
        }
        assert report["staff_reads"]["names"]["total"] == 4
        assert report["erasures"]["total"] == 1
    else:
        assert lookups["days_counted"] == 0


@pytest.mark.slow
def test_the_history_is_rich_enough_to_mean_something(history: History) -> None:
    """The figures above compare real numbers: the simulated history has them."""
    report = history.services.reports.build("weibo", *PERIODS[0])
    totals = report["totals"]
    for figure in ("notices_sent", "disclosed", "overdue", "refused"):
        assert totals[figure] > 0, figure
    assert totals["appeals"]["upheld"] > 0 and totals["appeals"]["denied"] > 0
    assert all(r["applied"] > 0 and r["lifted"] > 0 for r in report["restrictions"])
    assert report["statements"]["issued"] > 10
    assert report["threshold_promise"]["disclosures"]["required"] > 10
    # the cut period counts fewer than the whole
    cut = history.services.reports.build("weibo", *PERIODS[1])
    assert 0 < cut["totals"]["notices_sent"] < totals["notices_sent"]


@pytest.mark.slow
def test_a_statement_exists_for_every_restriction_applied_and_no_other(history: History) -> None:
    services = history.services
    validator = jsonschema_rs.validator_for(json.loads(STATEMENT_SCHEMA_FILE.read_text()))
    e = enforcement_changes.c
    with services.deps.db.reading() as conn:
        changes = conn.execute(
            select(e.seq, e.account_id, e.case_id, e.restrictions, e.at)
            .where(e.platform == "weibo")
            .order_by(e.seq)
        ).all()
        stored = {
            s["enforcement_cursor"]: s for s in conn.execute(select(statements.c.body)).scalars()
        }
    held: dict[str, set[tuple[str, str]]] = {}
    explained = set()
    for seq, account, case_id, restrictions, at in changes:
        now = {(r["penalty_id"], r["restriction"]) for r in restrictions}
        new = now - held.get(account, set())
        held[account] = now
        if not new:
            assert seq not in stored, f"a statement for change {seq}, which applied nothing"
            continue
        statement = stored[seq]
        validator.validate(statement)
        assert {(r["penalty_id"], r["restriction"]) for r in statement["restrictions"]} == new
        assert (statement["puid"], statement["case_id"]) == (account, case_id)
        assert statement["application_date"] == at.isoformat()
        triggers = {
            r["trigger"] for r in restrictions if (r["penalty_id"], r["restriction"]) in new
        }
        assert statement["decision_facts"]["triggers"] == sorted(triggers)
        assert statement["automated_detection"] == ("overdue" in triggers)
        explained.add(seq)
    assert explained == set(stored) and len(explained) > 10
    # every line of the export is one of them; ids are stable and unique
    lines = list(services.reports.statements("weibo", *PERIODS[0]))
    exported = [json.loads(line) for line in lines]
    assert {s["enforcement_cursor"] for s in exported} == explained
    assert len({s["statement_id"] for s in exported}) == len(exported)
    # the creator sees their own, and only their own
    account = exported[0]["puid"]
    mine = services.creators.statements("weibo", account)
    assert mine and {s["puid"] for s in mine} == {account}


@pytest.mark.slow
def test_files_hold_the_sections_in_both_languages_and_never_a_name(history: History) -> None:
    services = history.services
    out = history.workdir / "out"
    sections = {
        "en": (
            "Cases by tier and phase",
            "Restrictions and statements of reasons",
            "Label lookups",
            "Staff reads of names and notes",
            "Erasures",
            "The threshold promise",
        ),
        "zh-CN": (
            "按档位与阶段统计的案件",
            "限制措施与理由说明",
            "标识查询",
            "工作人员查阅姓名与备注",
            "删除",
            "门槛承诺",
        ),
    }
    names = [s + g for s in SURNAMES for g in GIVEN]
    for lang, titles in sections.items():
        files = services.reports.write(
            "weibo", *PERIODS[0], out / lang, lang=lang, with_statements=True
        )
        assert sorted(p.suffix for p in files) == [".html", ".json", ".jsonl", ".pdf"]
        by_suffix = {p.suffix: p for p in files}
        pdf = pypdf.PdfReader(io.BytesIO(by_suffix[".pdf"].read_bytes()))
        text = "".join(page.extract_text() for page in pdf.pages)
        html = by_suffix[".html"].read_text()
        for title in titles:
            assert title in text, (lang, title)
            assert title in html, (lang, title)
        assert html.count("<svg") == 2  # case changes, restrictions
        for content in (
            text,
            html,
            by_suffix[".json"].read_text(),
            by_suffix[".jsonl"].read_text(),
        ):
            assert not [n for n in names if n in content]
    assert not list(out.rglob("*.part"))


def test_a_period_that_ends_before_it_starts_is_refused(history: History) -> None:
    with pytest.raises(ValueError, match="before --from"):
        history.services.reports.build("weibo", dt.date(2024, 1, 2), dt.date(2024, 1, 1))


@pytest.mark.slow
def test_long_listings_read_in_pages_give_the_same_report(
    history: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audit trail, the enforcement feed and the statements are read page by page: pages of
    three rows give the report that pages of thousands give."""
    from byline.audit import _log
    from byline.cases import _enforcement, _statements

    whole = history.services.reports.build("weibo", *PERIODS[0])
    monkeypatch.setattr(_log, "PAGE", 3)
    monkeypatch.setattr(_enforcement, "_PAGE", 3)
    monkeypatch.setattr(_statements, "_PAGE", 3)
    paged = history.services.reports.build("weibo", *PERIODS[0])
    assert {**paged, "generated_at": None} == {**whole, "generated_at": None}
    lines = list(history.services.reports.statements("weibo", *PERIODS[0]))
    assert len(lines) == whole["statements"]["issued"]
