"""The dashboard's trends and the what-if page in headless Chromium, in English and Chinese:
charts readable at normal size, with their titles and axes in the page's language, and their
numbers one click away. Screenshots of every page and of each chart are saved (see conftest)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from byline.service.cycle import run_cycle
from e2e.conftest import Site, Visit

from factories import write_snapshot

TRENDS = ("funnel", "tiers", "comply", "restrictions")


def more_cycles(site: Site, folder: Path) -> list[dt.date]:
    """Four more weekly weibo cycles over a platform that grows, their outputs kept (the
    required-per-tier trend reads them)."""
    days = [dt.date(2023, 10, 23) + dt.timedelta(weeks=i) for i in range(4)]
    for i, day in enumerate(days):
        rows = [
            {
                "account_id": f"acct-{n:03d}",
                "kind": "individual",
                "category": "finance",
                "followers": 450_000 + 40_000 * n + 60_000 * i,
            }
            for n in range(12 + 4 * i)
        ]
        snapshot = write_snapshot(folder / f"week-{i}.parquet", rows)
        run_cycle(site.programme.db, snapshot, "weibo", day, keep=folder / "keep")
    return days


def chart_is_readable(visit: Visit, testid: str) -> None:
    chart = visit.page.get_by_test_id(testid).first  # type: ignore[attr-defined]
    box = chart.bounding_box()
    # not a thumbnail, nor a small drawing letterboxed in a wide box
    assert box is not None and box["width"] >= 520, f"{testid}: {box}"
    assert box["height"] >= 0.5 * box["width"], f"{testid}: {box}"
    assert chart.locator("title").count() >= 1
    chart.screenshot(
        path=str(visit.folder / f"{testid}-{visit.page.locator('html').get_attribute('lang')}.png")
    )  # type: ignore[attr-defined]


def test_the_dashboards_trends_in_both_languages(site: Site, visit: Visit, tmp_path: Path) -> None:
    days = more_cycles(site, tmp_path)
    visit.sign_in("weibo-platform")
    visit.goto("/console/weibo/dashboard", "dashboard-en")
    for key in TRENDS:
        chart_is_readable(visit, f"trend-{key}-chart")
    svg = visit.page.get_by_test_id("trend-tiers-chart").first  # type: ignore[attr-defined]
    texts = svg.locator("text").all_text_contents()
    assert "Accounts required per tier" in texts and "accounts required (number)" in texts
    assert "cycle (date decided)" in texts and f"{days[-1].day} Nov" in texts
    numbers = visit.page.get_by_test_id("trend-tiers-numbers").first  # type: ignore[attr-defined]
    table = numbers.locator("table")
    assert not table.is_visible()
    numbers.locator("summary").click()
    assert table.is_visible()
    assert table.locator("tbody tr").count() == 1 + len(days)  # the seed's cycle and four more
    visit.shot("dashboard-numbers-en")
    visit.click("lang-zh-CN", "dashboard-zh")
    for key in TRENDS:
        chart_is_readable(visit, f"trend-{key}-chart")
    texts = visit.page.get_by_test_id("trend-tiers-chart").first.locator("text").all_text_contents()  # type: ignore[attr-defined]
    assert "各档需公示的账号数" in texts and "周期（判定日期）" in texts
    assert f"{days[-1].month}月{days[-1].day}日" in texts


def test_the_what_if_page_in_both_languages(site: Site, visit: Visit) -> None:
    visit.sign_in("weibo-platform")
    visit.goto("/console/weibo/what-if", "what-if-form")
    page = visit.page
    page.select_option("select[name=snapshot]", "@cycle")  # type: ignore[attr-defined]
    page.fill("input[name=from]", "500000")  # type: ignore[attr-defined]
    page.fill("input[name=to]", "3000000")  # type: ignore[attr-defined]
    page.fill("input[name=steps]", "6")  # type: ignore[attr-defined]
    page.select_option("select[name=by]", "tier")  # type: ignore[attr-defined]
    visit.click("whatif-run", "what-if-en")
    chart_is_readable(visit, "what-if")
    texts = page.get_by_test_id("what-if").first.locator("text").all_text_contents()  # type: ignore[attr-defined]
    assert "Accounts required to disclose, by threshold" in texts
    assert "threshold (number of followers)" in texts
    rows = page.get_by_test_id("whatif-row")  # type: ignore[attr-defined]
    assert rows.count() == 6
    # the seed's snapshot: 3M, 1.5M, 1.2M, 1.1M, 1,000 followers; law and finance in scope
    assert rows.first.locator("td").last.inner_text() == "4"  # all four at 500,000
    assert rows.last.locator("td").last.inner_text() == "1"  # only 3M at 3,000,000
    visit.click("lang-zh-CN", "what-if-zh")
    chart_is_readable(visit, "what-if")
    texts = page.get_by_test_id("what-if").first.locator("text").all_text_contents()  # type: ignore[attr-defined]
    assert "需公示的账号数，随门槛变化" in texts and "300万" in texts
    assert page.get_by_test_id("whatif-row").count() == 6  # type: ignore[attr-defined]


def test_the_what_if_page_offers_the_platforms_own_snapshots(
    site: Site, visit: Visit, tmp_path: Path
) -> None:
    for platform, name in (("weibo", "june.parquet"), ("douyin", "theirs.parquet")):
        (tmp_path / platform).mkdir()
        shutil.copy(tmp_path / "snapshot.parquet", tmp_path / platform / name)
    visit.sign_in("weibo-admin")
    visit.goto("/console/weibo/what-if", "what-if-choices")
    select = visit.page.locator("select[name=snapshot] option")  # type: ignore[attr-defined]
    values = [select.nth(i).get_attribute("value") for i in range(select.count())]
    assert values == ["@cycle", "june.parquet"]  # never douyin's, nor the folder's top
    visit.page.select_option("select[name=snapshot]", "june.parquet")  # type: ignore[attr-defined]
    visit.click("whatif-run", "what-if-june")
    assert visit.count("whatif-row") == 20
