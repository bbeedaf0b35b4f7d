"""The compliance lead's dashboard: its numbers are the database's (funnel, open cases per tier,
restrictions in force), deadlines and flagged drops link to their cases, every finished cycle
has a chart, and only admins and compliance staff of the platform may open it."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from byline.cases import _tables as case_tables
from byline.domain.vocabulary import RefusalReason
from byline.service.access import Role
from byline.service.counts import CountUpdate, apply_counts
from byline.service.cycle import run_cycle
from byline.service.programme import Actor
from integration.console.conftest import NAMES, Console

from factories import write_snapshot

DASHBOARD = "/console/weibo/dashboard"


def text_of(html: str, name: str) -> str:
    """The text of the element with ``data-testid=name`` (which holds text only)."""
    found = re.findall(rf'data-testid="{re.escape(name)}">([^<]*)<', html)
    assert len(found) == 1, f"{name}: {len(found)} elements"
    return found[0]


def open_cases_by_tier(console: Console, platform: str) -> dict[str, int]:
    c = case_tables.cases.c
    with console.programme.db.reading() as conn:
        rows = conn.execute(
            select(c.tier, func.count())
            .where(c.platform == platform, c.open_account_id.is_not(None))
            .group_by(c.tier)
        ).all()
    return {tier: n for tier, n in rows}


def test_funnel_numbers_are_the_programmes(console: Console) -> None:
    console.programme.refuse("weibo", "quiet", actor=Actor("creator"), reason=RefusalReason.PRIVACY)
    html = console.staff(Role.PLATFORM).get(DASHBOARD).text
    funnel = console.programme.funnel("weibo")
    assert funnel["refused"] == 1 and funnel["disclosed"] == 2
    for state, n in funnel.items():
        assert text_of(html, f"funnel-{state}") == f"{n:,}"
    # in funnel order: notified before submitted before verified ... before released
    states = ("notified", "submitted", "verified", "disclosed", "overdue", "refused", "appealed")
    order = [html.index(f'data-testid="funnel-{s}"') for s in (*states, "released")]
    assert order == sorted(order)


def test_open_cases_per_tier_are_the_case_tables(console: Console) -> None:
    for platform in ("weibo", "douyin"):
        html = console.staff(Role.ADMIN, platform).get(f"/console/{platform}/dashboard").text
        in_db = open_cases_by_tier(console, platform)
        policy_tiers = re.findall(r'data-testid="tier-(?!required-)([^"]+)"', html)
        assert policy_tiers and set(in_db) <= set(policy_tiers)
        for tier in policy_tiers:
            assert text_of(html, f"tier-{tier}") == f"{in_db.get(tier, 0):,}"
        assert sum(in_db.values()) == 4  # star, org, quiet, waiting


def test_deadlines_in_the_next_fortnight_nearest_first_linking_to_the_case(
    console: Console,
) -> None:
    weibo = console.staff(Role.PLATFORM).get(DASHBOARD).text
    table = weibo.split('data-testid="deadlines"')[1].split("</table>")[0]
    links = re.findall(r'href="/console/weibo/cases/([^"]+)"', table)
    assert links == ["quiet", "waiting"]  # both due 1 Nov, a week after now; by account id
    # douyin's deadlines are three weeks away: not yet on its dashboard
    douyin = console.staff(Role.PLATFORM, "douyin").get("/console/douyin/dashboard").text
    assert 'data-testid="no-deadlines"' in douyin


def test_restrictions_in_force_are_counted_per_restriction(console: Console) -> None:
    assert text_of(console.staff(Role.ADMIN).get(DASHBOARD).text, "restricted-accounts") == "0"
    console.programme.refuse("weibo", "quiet", actor=Actor("creator"), reason=RefusalReason.PRIVACY)
    html = console.staff(Role.ADMIN).get(DASHBOARD).text
    with console.programme.db.reading() as conn:
        rows = conn.execute(
            select(case_tables.enforcement.c.restrictions).where(
                case_tables.enforcement.c.platform == "weibo"
            )
        ).all()
    restricted = [r for (r,) in rows if r]
    assert len(restricted) == 1
    assert text_of(html, "restricted-accounts") == "1"
    for item in restricted[0]:
        assert text_of(html, f"restriction-{item['restriction']}") == "1"


def test_a_steep_drop_is_flagged_with_a_link_to_its_case(console: Console) -> None:
    html = console.staff(Role.ADMIN).get(DASHBOARD).text
    assert 'data-testid="no-flagged"' in html
    apply_counts(
        console.programme.db,
        "weibo",
        [CountUpdate("quiet", "individual", "law", {"followers": 300_000})],  # type: ignore[arg-type]
        dt.date(2023, 10, 20),
        actor="test",
    )
    html = console.staff(Role.ADMIN).get(DASHBOARD).text
    flagged = html.split('data-testid="flagged"')[1].split("</table>")[0]
    assert re.findall(r'href="/console/weibo/cases/([^"]+)"', flagged) == ["quiet"]
    assert "steep follower drop" in flagged


def owners_cycle(console: Console) -> None:
    """A weibo cycle a week after the seeded one, on a snapshot naming owners: ``h1`` splits
    1,200,000 distinct followers over two accounts each below the 500,000 floor."""
    rows = [
        {"account_id": a, "kind": "individual", "category": "law", "followers": f}
        | {"owner_ref": o, "owner_followers": of}
        for a, f, o, of in [
            ("star", 3_000_000, None, 3_000_000),
            ("m1", 450_000, "h1", 1_200_000),
            ("m2", 400_000, "h1", 1_200_000),
            ("m3", 300_000, "h2", 450_000),  # h2's audience meets no tier: not flagged
            ("m4", 200_000, "h2", 450_000),
        ]
    ]
    snapshot = write_snapshot(console.snapshot.parent / "owners.parquet", rows)
    run_cycle(console.programme.db, snapshot, "weibo", dt.date(2023, 10, 23))


def test_owners_the_latest_cycle_flagged_are_listed_by_reference(console: Console) -> None:
    html = console.staff(Role.PLATFORM).get(DASHBOARD).text
    assert 'data-testid="owners-unknown"' in html  # the seeded cycle's snapshot named none
    owners_cycle(console)
    html = console.staff(Role.PLATFORM).get(DASHBOARD).text
    assert text_of(html, "flagged-owners-count") == "1"
    table = html.split('data-testid="flagged-owners-table"')[1].split("</table>")[0]
    assert re.findall(r'data-testid="owner-ref">([^<]*)<', table) == ["h1"]
    assert text_of(table, "owner-owner_followers") == "1,200,000"
    assert "[weibo.tier.1m]" in table  # the tier its audience reaches
    for name in NAMES.values():
        assert name not in html
    client = console.staff(Role.ADMIN)
    client.cookies.set("byline_lang", "zh-CN", path="/console")
    html = client.get(DASHBOARD).text
    assert "最近一个周期标记的持有人" in html and text_of(html, "flagged-owners-count") == "1"


def test_every_finished_cycle_has_an_accessible_chart(console: Console) -> None:
    html = console.staff(Role.ADMIN).get(DASHBOARD).text
    with console.programme.db.reading() as conn:
        cycles = conn.execute(
            select(case_tables.cycles.c.cycle_id, case_tables.cycles.c.summary).where(
                case_tables.cycles.c.platform == "weibo", case_tables.cycles.c.status == "finished"
            )
        ).all()
    assert len(cycles) == 1
    cycle_id, summary = cycles[0]
    svgs = re.findall(r"<svg class=\"chart\".*?</svg>", html, re.S)
    assert len(svgs) == 1
    svg = svgs[0]
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert f"required: {summary['evaluation']['required']:,}" in svg
    assert f"notified: {summary['actions']['case:notified']:,}" in svg
    assert f'data-testid="cycle-{cycle_id[:12]}"' in html
    assert "<table>" in html.split(f'data-testid="cycle-{cycle_id[:12]}"')[1]  # the fallback


def test_the_policy_in_force_is_explained_and_no_name_is_shown(console: Console) -> None:
    html = console.staff(Role.PLATFORM).get(DASHBOARD).text
    assert "1,000,000 or more followers" in html  # the tier, in words
    assert "Hidden from visitors who are not logged in" in html
    assert "version 2023.12" in html
    for name in NAMES.values():
        assert name not in html


def test_the_dashboard_in_chinese_has_the_same_numbers(console: Console) -> None:
    client = console.staff(Role.PLATFORM)
    client.cookies.set("byline_lang", "zh-CN", path="/console")
    html = client.get(DASHBOARD).text
    assert "总览" in html and "仪表盘" not in html and "已公示" in html  # one word
    assert text_of(html, "funnel-disclosed") == "2"


def test_only_admins_and_compliance_staff_of_the_platform_may_open_it(console: Console) -> None:
    assert console.staff(Role.ADMIN).get(DASHBOARD).status_code == 200
    assert console.staff(Role.PLATFORM).get(DASHBOARD).status_code == 200
    assert console.staff(Role.REVIEWER).get(DASHBOARD).status_code == 403
    assert console.staff(Role.PLATFORM, "douyin").get(DASHBOARD).status_code == 403
    assert console.creator("waiting").get(DASHBOARD).status_code == 403
    assert console.client().get(DASHBOARD).status_code == 303  # sign in first
