"""The compliance lead's dashboard: its numbers are the database's (funnel, open cases per tier,
restrictions in force), deadlines and flagged drops link to their cases, every finished cycle
has a chart, and only admins and compliance staff of the platform may open it."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from byline.cases import _tables as case_tables
from byline.domain.vocabulary import RefusalReason
from byline.service.access import Role, create_api_key
from byline.service.counts import CountUpdate, apply_counts
from byline.service.cycle import run_cycle
from byline.service.programme import Actor
from integration.console.conftest import NAMES, NOW, Console

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


def test_trends_are_readable_charts_with_their_numbers(console: Console) -> None:
    html = console.staff(Role.ADMIN).get(DASHBOARD).text
    with console.programme.db.reading() as conn:
        cycles = conn.execute(
            select(case_tables.cycles.c.as_of, case_tables.cycles.c.summary).where(
                case_tables.cycles.c.platform == "weibo", case_tables.cycles.c.status == "finished"
            )
        ).all()
    assert len(cycles) == 1
    as_of, summary = cycles[0]
    svgs = re.findall(r"<svg .*?</svg>", html, re.S)
    assert len(svgs) == 4  # funnel, tiers, time to comply, restrictions
    for key, svg in zip(("funnel", "tiers", "comply", "restrictions"), svgs, strict=True):
        assert f'data-testid="trend-{key}-chart"' in svg
        assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
        figure = html.split(f'data-testid="trend-{key}"')[1].split("</figure>")[0]
        assert "<table" in figure and f"trends.csv?chart={key}" in figure
    funnel = svgs[0]
    assert "Cases by state, as each cycle ended" in funnel and "cases (number)" in funnel
    for state, n in summary["funnel"].items():
        if n:
            assert f"{state}: {as_of:%-d %b} {n:,}" in funnel.replace("—", "")
    assert "Time from notice to disclosure" in svgs[2] and "days (from notice to label)" in svgs[2]
    restricted = summary.get("restricted_accounts", 0)
    assert f"accounts restricted: {as_of:%-d %b} {restricted:,}" in svgs[3]


def test_each_trends_numbers_are_a_csv(console: Console) -> None:
    client = console.staff(Role.PLATFORM)
    response = client.get(DASHBOARD + "/trends.csv?chart=funnel")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    lines = response.text.splitlines()
    assert lines[0].startswith("as_of,cycle,") and len(lines) == 2
    funnel = console.programme.funnel("weibo")
    header = lines[0].split(",")
    row = dict(zip(header, lines[1].split(","), strict=True))
    # the funnel as the cycle ended: the cases touched since may have moved on
    assert set(header[2:]) <= set(funnel)
    assert all(float(row[s]) >= 0 for s in header[2:])
    assert client.get(DASHBOARD + "/trends.csv?chart=nope").status_code == 404
    chinese = console.staff(Role.PLATFORM)
    chinese.cookies.set("byline_lang", "zh-CN", path="/console")
    html = chinese.get(DASHBOARD).text
    assert "各周期结束时各状态的案件数" in html and "天数（从通知到标签上线）" in html


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


def test_the_lead_sees_keys_and_viewers_flagged_for_harvesting(console: Console) -> None:
    lead = console.staff(Role.PLATFORM)
    assert 'data-testid="no-harvest"' in lead.get(DASHBOARD).text
    displays = console.app.state.byline.services.displays
    displays.harvest_threshold = 1  # as BYLINE_HARVEST_THRESHOLD=1 would
    key = create_api_key(console.programme.db, "weibo", Role.LABEL, actor="test", now=NOW)
    response = console.client().post(
        "/v1/platforms/weibo/labels",
        headers={"Authorization": f"Bearer {key}"},
        json={
            "viewer": {"id": "collector", "logged_in": True, "identity_verified": True},
            "account_ids": ["star", "org"],
        },
    )
    assert response.status_code == 200
    displays.flush()
    page = lead.get(DASHBOARD).text
    keys = re.findall(r'data-testid="harvest-key">(.*?)</tr>', page, re.S)
    viewers = re.findall(r'data-testid="harvest-viewer">(.*?)</tr>', page, re.S)
    assert len(keys) == 1 and key.split(".")[0] in keys[0] and ">2<" in keys[0]
    assert len(viewers) == 1 and "collector" in viewers[0]
    assert "more than 1 distinct disclosed accounts" in page
