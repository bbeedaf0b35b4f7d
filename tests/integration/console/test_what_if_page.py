"""The what-if page: the policy in force over a snapshot of the platform's own folder, varied;
its numbers are the what-if's (held to separate evaluations elsewhere), in both languages, and
no snapshot outside the platform's folder is read."""

from __future__ import annotations

import re
import shutil
from html import unescape
from pathlib import Path

from byline.service import what_if
from byline.service.access import Role
from byline.service.dashboard import active_policy
from integration.console.conftest import NAMES, Console

PAGE = "/console/weibo/what-if"
ASK = {"variable": "threshold", "from": "100000", "to": "1500000", "steps": "8", "by": "tier"}


def own_snapshot(console: Console, platform: str, name: str) -> Path:
    folder = console.snapshot.parent / platform
    folder.mkdir(exist_ok=True)
    return Path(shutil.copy(console.snapshot, folder / name))


def table_of(html: str) -> list[list[str]]:
    table = html.split('data-testid="whatif-table"')[1].split("</table>")[0]
    rows = re.findall(r'<tr data-testid="whatif-row">(.*?)</tr>', table, re.S)
    return [[unescape(c) for c in re.findall(r"<t[hd][^>]*>([^<]*)<", row)] for row in rows]


def test_the_lead_asks_and_gets_the_chart_and_its_numbers(console: Console) -> None:
    path = own_snapshot(console, "weibo", "june.parquet")
    lead = console.staff(Role.PLATFORM)
    form = lead.get(PAGE)
    assert form.status_code == 200 and 'data-testid="whatif-form"' in form.text
    assert 'data-testid="whatif-result"' not in form.text
    assert "june.parquet" in form.text
    response = lead.get(PAGE, params={"snapshot": "june.parquet", **ASK})
    assert response.status_code == 200, response.text
    html = response.text
    with console.programme.db.reading() as conn:
        policy = active_policy(conn, "weibo")
    expected = what_if(path, [policy], vary="threshold=100000..1500000", steps=8, by="tier")
    rows = table_of(html)
    assert [r[0] for r in rows] == list(expected.values)
    for row, value in zip(rows, expected.values, strict=True):
        counts = [f"{expected.required[value][s]:,}" for s in expected.series]
        assert row[1:] == [*counts, f"{expected.total(value):,}"]
    svg = html.split('data-testid="whatif-chart"')[1].split("</figure>")[0]
    assert "Accounts required to disclose, by threshold" in svg
    assert "threshold (number of followers)" in svg and "accounts required" in svg
    for name in NAMES.values():
        assert name not in html
    chinese = console.staff(Role.ADMIN)
    chinese.cookies.set("byline_lang", "zh-CN", path="/console")
    html = chinese.get(PAGE, params={"snapshot": "june.parquet", **ASK}).text
    assert "需公示的账号数，随门槛变化" in html and "门槛（粉丝数）" in html
    assert table_of(html) == rows


def test_the_latest_cycles_snapshot_and_a_date_range(console: Console) -> None:
    lead = console.staff(Role.PLATFORM)
    ask = {"snapshot": "@cycle", "variable": "as_of", "from": "2023-10-01", "to": "2024-01-31"}
    html = lead.get(PAGE, params={**ask, "steps": "5"}).text
    assert len(table_of(html)) == 5 and "date decided (date)" in html


def test_a_snapshot_outside_the_platforms_folder_is_never_read(console: Console) -> None:
    own_snapshot(console, "douyin", "theirs.parquet")
    lead = console.staff(Role.PLATFORM)
    for name in ("../douyin/theirs.parquet", "../snapshot.parquet", str(console.snapshot), "x"):
        response = lead.get(PAGE, params={"snapshot": name, **ASK})
        assert response.status_code == 400, name
        assert 'data-testid="whatif-problem"' in response.text
        assert 'data-testid="whatif-result"' not in response.text


def test_a_bad_question_says_what_is_wrong(console: Console) -> None:
    lead = console.staff(Role.PLATFORM)
    bad = {**ASK, "snapshot": "@cycle", "to": "ten"}
    response = lead.get(PAGE, params=bad)
    assert response.status_code == 400
    problem = unescape(response.text.split('data-testid="whatif-problem">')[1].split("<")[0])
    assert "FROM and TO must be whole numbers" in problem
