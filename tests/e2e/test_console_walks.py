"""The console's pages walked in headless Chromium, one test per behaviour a user relies on:
a name read survives a reload, the creator's page says one thing per state, the compliance
lead lists cases, a bulk approval covers only names someone read, a decision releases the
case, the preview shows every viewer the policy tells apart, and a Chinese page is Chinese.
Each saves screenshots of the pages it visits (``test-artifacts/e2e/<test>/``)."""

from __future__ import annotations

import re

from byline.service.programme import Actor
from e2e.conftest import Site, Visit


def body(visit: Visit) -> str:
    return str(visit.page.inner_text("body"))  # type: ignore[attr-defined]


def to_chinese(visit: Visit, name: str) -> None:
    visit.click("lang-zh-CN", name)
    assert visit.page.locator("html").get_attribute("lang") == "zh-CN"  # type: ignore[attr-defined]


def test_reloading_after_reading_a_name_shows_the_case(site: Site, visit: Visit) -> None:
    visit.sign_in("weibo-reviewer")
    visit.goto("/console/weibo/cases/waiting", "case")
    visit.click("reveal", "name-read")
    page = visit.page
    assert page.url.endswith("/console/weibo/cases/waiting#name")  # type: ignore[attr-defined]
    assert visit.text("revealed-name") == "Liu Yang"
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.reload()  # type: ignore[attr-defined]
    visit.shot("reloaded")
    assert "no case" not in body(visit)
    assert visit.count("case-name") == 1 and visit.count("revealed-name") == 0
    assert "Liu Yang" not in body(visit)  # a reload reads nothing again
    trail = page.locator('[data-action="name:decrypted"]')  # type: ignore[attr-defined]
    assert trail.count() == 1  # the one read, in the trail
    visit.goto("/console/weibo/cases/waiting/reveal", "old-address")  # a history entry
    assert page.url.endswith("/console/weibo/cases/waiting")  # type: ignore[attr-defined]
    assert visit.count("revealed-name") == 0


def test_the_creators_page_says_one_thing_per_state(site: Site, visit: Visit) -> None:
    # waiting (1.1M followers) has submitted a name: it waits, with nothing to send again
    visit.goto(site.creator_link("waiting"), "submitted")
    heading = visit.page.get_by_test_id("required")  # type: ignore[attr-defined]
    assert heading.inner_text() == "Your name is waiting for review"
    text = body(visit)
    assert "You are asked to show your real name" not in text
    assert "The deadline has passed" not in text and visit.count("countdown") == 0
    assert "nobody is ever required" not in text  # 1.1M is above the floor: not said
    assert "at or above the floor" in text
    assert visit.count("submit-section") == 0 and visit.count("submit-name") == 0
    to_chinese(visit, "submitted-zh")
    assert heading.inner_text() == "您的姓名正在等待审核"
    assert "截止时间已过" not in body(visit) and "永远不会被要求" not in body(visit)
    assert visit.count("submit-section") == 0


def test_a_notified_creator_is_asked_with_a_countdown_and_the_form(
    site: Site, visit: Visit
) -> None:
    visit.goto(site.creator_link("quiet"), "notified")
    assert visit.text("required") == "You are asked to show your real name"
    assert visit.count("countdown") == 1 and visit.count("submit-section") == 1
    assert visit.count("appeal-section") == 1 and visit.count("refuse") == 1
    visit.page.fill("[data-testid=name]", "Chen Jing")  # type: ignore[attr-defined]
    visit.page.check("[data-testid=consent]")  # type: ignore[attr-defined]
    visit.click("submit-name", "after-submitting")
    assert visit.text("required") == "Your name is waiting for review"
    assert visit.count("submit-section") == 0 and visit.count("countdown") == 0


def test_the_compliance_lead_lists_cases_to_read(site: Site, visit: Visit) -> None:
    visit.sign_in("weibo-platform")
    visit.click("nav-cases", "cases")
    assert visit.page.url.endswith("/console/weibo/cases")  # type: ignore[attr-defined]
    assert visit.count("case-row-waiting") == 1  # awaiting review, the default filter
    assert visit.count("select-all") == 0 and visit.count("bulk-approve") == 0
    assert visit.count("take-waiting") == 0
    visit.page.select_option("[data-testid=filter-state]", "all")  # type: ignore[attr-defined]
    visit.click("filter-apply", "cases-all")
    assert visit.count("case-row-quiet") == 1 and visit.count("case-row-waiting") == 1
    visit.click("case-link-quiet", "a-case")
    assert visit.count("reveal") == 0 and visit.count("approve") == 0  # reading only
    queue = visit.goto("/console/weibo/reviews", "queue-forbidden")
    assert queue.status == 403  # type: ignore[attr-defined]
    visit.goto("/console/weibo/cases", "cases-again")
    to_chinese(visit, "cases-zh")
    assert visit.text("cases-lead").startswith("全部案件")


def test_a_bulk_approval_covers_only_names_a_reviewer_read(site: Site, visit: Visit) -> None:
    site.programme.submit("weibo", "quiet", "Chen Jing", consent=True, actor=Actor("creator"))
    visit.sign_in("weibo-reviewer")
    visit.goto("/console/weibo/cases/quiet", "read-one")
    visit.click("reveal", "quiet-read")
    visit.goto("/console/weibo/reviews", "queue")
    visit.page.check("[data-testid=select-waiting]")  # type: ignore[attr-defined]
    visit.page.check("[data-testid=select-quiet]")  # type: ignore[attr-defined]
    visit.click("bulk-approve", "bulk-result")
    assert visit.page.locator('[data-testid="bulk-done"] li').all_inner_texts() == ["quiet"]  # type: ignore[attr-defined]
    skipped = visit.page.get_by_test_id("bulk-failed-waiting")  # type: ignore[attr-defined]
    assert skipped.get_attribute("data-refusal") == "name_not_seen"
    assert "Nobody has read this name" in skipped.inner_text()
    assert site.programme.show("weibo", "quiet").state == "disclosed"
    assert site.programme.show("weibo", "waiting").state == "submitted"


def test_a_decision_releases_the_case(site: Site, visit: Visit) -> None:
    visit.sign_in("weibo-reviewer")
    visit.goto("/console/weibo/reviews", "queue")
    visit.click("take-waiting", "taken")
    assert visit.text("assignee-waiting").strip() == "you"
    visit.goto("/console/weibo/cases/waiting", "case")
    visit.click("approve", "approved")
    assert site.programme.show("weibo", "waiting").state == "disclosed"
    visit.goto("/console/weibo/reviews?state=all", "queue-after")
    assert visit.text("assignee-waiting").strip() == "nobody"
    assert site.programme.holder("weibo", "waiting") is None


def test_the_preview_shows_every_viewer_the_policy_tells_apart(site: Site, visit: Visit) -> None:
    visit.sign_in("weibo-platform")
    visit.goto("/console/weibo/preview?account=star", "preview-weibo")
    cards = visit.page.locator('[data-testid="preview-cards"] > section')  # type: ignore[attr-defined]
    shown = [cards.nth(i).get_attribute("data-testid") for i in range(cards.count())]
    # weibo's [viewers] hides names from four conditions: a card for each, and one for a
    # viewer who meets none
    assert shown == [
        f"preview-{who}"
        for who in ("allowed", "logged_out", "unverified", "abnormal", "sanctioned")
    ]
    allowed = visit.page.get_by_test_id("preview-allowed")  # type: ignore[attr-defined]
    assert allowed.get_by_test_id("label-name").count() == 1
    abnormal = visit.page.get_by_test_id("preview-abnormal")  # type: ignore[attr-defined]
    assert abnormal.get_by_test_id("label-hidden").count() == 1
    to_chinese(visit, "preview-weibo-zh")
    assert "被标记为行为异常的用户" in abnormal.inner_text()


def test_the_preview_follows_another_policy(site: Site, visit: Visit) -> None:
    visit.sign_in("douyin-platform")
    visit.goto("/console/douyin/preview?account=star", "preview-douyin")
    cards = visit.page.locator('[data-testid="preview-cards"] > section')  # type: ignore[attr-defined]
    shown = [cards.nth(i).get_attribute("data-testid") for i in range(cards.count())]
    assert shown == [
        f"preview-{who}" for who in ("allowed", "logged_out", "unverified", "risky", "abnormal")
    ]  # douyin does not tell the sanctioned apart


def test_chinese_pages_say_it_in_chinese(site: Site, visit: Visit) -> None:
    visit.sign_in("weibo-platform")
    visit.goto("/console/weibo/dashboard", "dashboard-en")
    assert visit.text("nav-dashboard") == visit.page.locator("h1").inner_text() == "Dashboard"  # type: ignore[attr-defined]
    to_chinese(visit, "dashboard-zh")
    heading = visit.page.locator("h1").inner_text()  # type: ignore[attr-defined]
    assert visit.text("nav-dashboard") == heading == "总览"  # one word for one idea
    assert "cycle" not in visit.text("policy-line")
    visit.goto("/console/weibo/cases/star", "case-zh")
    assert "周期运行" in visit.text("audit-trail") and "cycle" not in visit.text("audit-trail")
    visit.goto("/console/weibo/cases?state=all", "cases-zh")
    tiers = visit.page.get_by_test_id("filter-tier").inner_text()  # type: ignore[attr-defined]
    assert "followers" not in tiers and "粉丝" in tiers
    table = visit.text("queue")
    assert not re.search(r"[0-9,]+\+ followers", table)
    visit.page.context.clear_cookies()  # type: ignore[attr-defined]
    visit.sign_in("weibo-reviewer")
    visit.goto("/console/weibo/reviews?state=all", "queue-en")
    assert "1,000,000+ followers" in visit.text("queue")  # the preset's own words in English
    to_chinese(visit, "queue-zh")
    assert "followers" not in visit.text("queue")
