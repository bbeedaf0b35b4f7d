"""The console in headless Chromium: what reviewers, creators and compliance leads do, seen as
they see it. Each test saves screenshots of the pages it visits (see conftest)."""

from __future__ import annotations

from byline.service.programme import Actor
from e2e.conftest import Site, Visit

HOSTILE = '<img src=x onerror="window.pwned=1">Ad\u200bmin\u200e'


def test_an_approved_name_shows_to_verified_viewers_only(site: Site, visit: Visit) -> None:
    visit.sign_in("weibo-reviewer")
    visit.goto("/console/weibo/reviews", "queue")
    assert visit.count("case-row-waiting") == 1
    visit.goto("/console/weibo/cases/waiting", "case")
    visit.click("approve", "approved")
    assert site.programme.show("weibo", "waiting").state == "disclosed"
    visit.goto("/console/weibo/preview?account=waiting", "preview")
    verified = visit.page.get_by_test_id("preview-allowed")  # type: ignore[attr-defined]
    logged_out = visit.page.get_by_test_id("preview-logged_out")  # type: ignore[attr-defined]
    assert verified.get_by_test_id("label-name").inner_text() == "Liu Yang"
    assert logged_out.get_by_test_id("label-name").count() == 0
    assert logged_out.get_by_test_id("label-hidden").count() == 1
    assert "Liu Yang" not in logged_out.inner_text()


def test_a_creator_refuses_and_sees_the_restrictions(site: Site, visit: Visit) -> None:
    visit.goto(site.creator_link("quiet"), "my-obligation")
    assert visit.page.url.endswith("/console/weibo/me")  # type: ignore[attr-defined]
    visit.click("refuse", "refuse-consequences")
    consequences = visit.text("consequences")
    assert consequences.strip(), "the consequences are spelled out before confirming"
    assert site.programme.show("weibo", "quiet").state == "notified"  # nothing yet
    visit.click("confirm-refuse", "refused")
    assert site.programme.show("weibo", "quiet").state == "refused"
    enforcement = site.programme.enforcement("weibo", "quiet")
    assert enforcement.restrictions
    items = visit.page.get_by_test_id("restrictions").locator("li")  # type: ignore[attr-defined]
    assert items.count() == len(enforcement.restrictions)


def test_a_hostile_name_is_displayed_inertly(site: Site, visit: Visit, browser: object) -> None:
    site.programme.submit("weibo", "quiet", HOSTILE, consent=True, actor=Actor("creator"))
    visit.sign_in("weibo-reviewer")
    visit.goto("/console/weibo/cases/quiet", "case-before-reveal")
    assert visit.count("revealed-name") == 0
    visit.click("reveal", "revealed")
    shown = visit.page.get_by_test_id("revealed-name").first  # type: ignore[attr-defined]
    text = shown.inner_text()
    assert '<img src=x onerror="window.pwned=1">' in text  # shown as text
    assert "Ad[U+200B]min[U+200E]" in text  # invisible characters made visible
    assert shown.locator("img").count() == 0
    assert visit.page.evaluate("window.pwned") is None  # type: ignore[attr-defined]


def test_the_dashboards_numbers_are_the_databases(site: Site, visit: Visit) -> None:
    visit.sign_in("weibo-platform")
    visit.goto("/console/weibo/dashboard", "dashboard")
    funnel = site.programme.funnel("weibo")
    for state in ("notified", "submitted", "disclosed", "refused", "overdue"):
        assert visit.text(f"funnel-{state}").strip() == f"{funnel[state]:,}", state
    tiers: dict[str, int] = {}
    for case in site.programme.list_cases("weibo", limit=1000):
        if case.tier and case.closed_at is None:
            tiers[case.tier] = tiers.get(case.tier, 0) + 1
    for tier, n in tiers.items():
        assert visit.text(f"tier-{tier}").strip() == f"{n:,}", tier


def test_the_language_switch(site: Site, visit: Visit) -> None:
    visit.sign_in("weibo-reviewer")
    visit.goto("/console/weibo/reviews", "queue-en")
    assert visit.page.locator("html").get_attribute("lang") == "en"  # type: ignore[attr-defined]
    visit.click("lang-zh-CN", "queue-zh")
    assert visit.page.locator("html").get_attribute("lang") == "zh-CN"  # type: ignore[attr-defined]
    assert "审核" in visit.page.inner_text("body")  # type: ignore[attr-defined]
    assert visit.page.url.endswith("/console/weibo/reviews")  # type: ignore[attr-defined]
    visit.click("lang-en", "queue-en-again")
    assert "Reviews" in visit.page.inner_text("body")  # type: ignore[attr-defined]


def test_a_reviewer_cannot_open_another_platforms_case(site: Site, visit: Visit) -> None:
    visit.sign_in("douyin-reviewer")
    response = visit.goto("/console/weibo/cases/waiting", "other-tenant")
    assert response.status == 403  # type: ignore[attr-defined]
    assert visit.count("message") == 1
    assert "Liu Yang" not in visit.page.inner_text("body")  # type: ignore[attr-defined]


def test_pages_fit_a_phone(site: Site, browser: object, request: object) -> None:
    from e2e.conftest import _visits

    for visit in _visits(browser, site.base, request):  # type: ignore[arg-type]
        visit.page.set_viewport_size({"width": 390, "height": 844})  # type: ignore[attr-defined]
        visit.sign_in("weibo-admin")
        for url, name in (
            ("/console/weibo/dashboard", "phone-dashboard"),
            ("/console/weibo/what-if?snapshot=@cycle&by=tier", "phone-what-if"),
            ("/console/weibo/reviews", "phone-queue"),
            ("/console/weibo/cases/waiting", "phone-case"),
        ):
            visit.goto(url, name)
            width = visit.page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
            assert width <= 390 + 1, f"{url} scrolls sideways on a phone ({width}px)"


def test_a_very_long_name_wraps_on_a_phone(site: Site, visit: Visit) -> None:
    long_name = "Wolfeschlegelsteinhausenbergerdorff" * 5 + "王" * 25  # 200 characters, no space
    site.programme.submit("weibo", "quiet", long_name, consent=True, actor=Actor("creator"))
    visit.page.set_viewport_size({"width": 390, "height": 844})  # type: ignore[attr-defined]
    visit.sign_in("weibo-reviewer")
    visit.goto("/console/weibo/cases/quiet", "phone-case")
    visit.click("reveal", "phone-long-name")
    assert visit.text("revealed-name").replace("\n", "") == long_name
    width = visit.page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
    assert width <= 391, f"a long name makes the page scroll sideways ({width}px)"


NOTE = "the ID card reads Liu Yan, not Liu Yang"


def test_a_rejection_takes_a_coded_reason_and_keeps_the_note_for_staff(
    site: Site, visit: Visit
) -> None:
    visit.sign_in("weibo-reviewer")
    visit.goto("/console/weibo/cases/waiting", "case")
    reject = visit.page.get_by_test_id("reject")  # type: ignore[attr-defined]
    reject.click()  # no reason chosen: the browser keeps the form (the select is required)
    assert site.programme.show("weibo", "waiting").state == "submitted"
    visit.page.get_by_test_id("reject-reason").select_option("name_mismatch")  # type: ignore[attr-defined]
    visit.page.get_by_test_id("reject-note").fill(NOTE)  # type: ignore[attr-defined]
    visit.click("reject", "rejected")
    view = site.programme.show("weibo", "waiting")
    assert view.state == "rejected"
    body = visit.page.inner_text("body")  # type: ignore[attr-defined]
    assert "The name does not match the identity document" in body  # the code, in words
    assert NOTE not in body and "Liu Yan," not in body
    row = visit.page.locator("tr[data-action='case:rejected']")  # type: ignore[attr-defined]
    assert row.count() == 1
    with visit.page.expect_navigation():  # type: ignore[attr-defined]
        row.locator("button").click()
    visit.shot("note-revealed")
    assert visit.text("revealed-note") == NOTE
    visit.goto("/console/weibo/cases/waiting", "case-again")  # shown in that response alone
    assert NOTE not in visit.page.inner_text("body")  # type: ignore[attr-defined]

    visit.page.context.clear_cookies()  # type: ignore[attr-defined]
    visit.goto(site.creator_link("waiting"), "creator-rejected")
    assert NOTE not in visit.page.inner_text("body")  # type: ignore[attr-defined]


def test_an_appeal_and_its_decision_take_coded_reasons(site: Site, visit: Visit) -> None:
    visit.goto(site.creator_link("quiet"), "my-obligation")
    visit.page.get_by_test_id("appeal").click()  # type: ignore[attr-defined]
    assert site.programme.show("weibo", "quiet").state == "notified"  # a code is required
    visit.page.get_by_test_id("appeal-reason").select_option("wrong_category")  # type: ignore[attr-defined]
    visit.page.get_by_test_id("appeal-note").fill("my posts are about recipes")  # type: ignore[attr-defined]
    visit.click("appeal", "appealed")
    assert site.programme.show("weibo", "quiet").state == "appealed"

    visit.page.context.clear_cookies()  # type: ignore[attr-defined]
    visit.sign_in("weibo-reviewer")
    visit.goto("/console/weibo/cases/quiet", "case-appealed")
    assert "My account's category is wrong" in visit.page.inner_text("body")  # type: ignore[attr-defined]
    assert "recipes" not in visit.page.inner_text("body")  # type: ignore[attr-defined]
    visit.page.get_by_test_id("appeal-reason").select_option("category_confirmed")  # type: ignore[attr-defined]
    visit.click("appeal-deny", "appeal-denied")
    view = site.programme.show("weibo", "quiet")
    assert view.state != "appealed"
    assert "The category was confirmed" in visit.page.inner_text("body")  # type: ignore[attr-defined]


def test_a_refusal_may_give_a_coded_reason(site: Site, visit: Visit) -> None:
    visit.goto(site.creator_link("quiet"), "my-obligation")
    visit.click("refuse", "refuse-consequences")
    visit.page.get_by_test_id("refuse-reason").select_option("safety")  # type: ignore[attr-defined]
    visit.click("confirm-refuse", "refused")
    view = site.programme.show("weibo", "quiet")
    assert view.state == "refused"
    refused = [h for h in view.history if (h.detail or {}).get("reason") == "safety"]
    assert refused, view.history


def test_a_creator_sees_where_the_name_was_shown_on_a_phone(
    site: Site, browser: object, request: object
) -> None:
    from byline.domain.labels import Viewer
    from byline.service import Services
    from e2e.conftest import _visits

    displays = Services.of(site.programme.deps).displays  # another process's writer, say
    for viewer, accounts in (("v1", ["star", "org"]), ("v2", ["star"])):
        displays.record("weibo", "byl_e2e", viewer, Viewer.of(True, True), accounts)
    assert displays.flush() == 3
    for visit in _visits(browser, site.base, request):  # type: ignore[arg-type]
        visit.page.set_viewport_size({"width": 390, "height": 844})  # type: ignore[attr-defined]
        visit.goto(site.creator_link("star"), "phone-my-displays")
        section = visit.page.get_by_test_id("displays")  # type: ignore[attr-defined]
        assert section.get_by_test_id("displays-total").inner_text() == "2"
        assert section.get_by_test_id("displays-row").count() == 1
        never = section.get_by_test_id("never-shown-to").inner_text()
        assert never.startswith("Never shown to: visitors who are not logged in;")
        assert section.get_by_test_id("displays-chart").count() == 1
        width = visit.page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
        assert width <= 390 + 1, f"the creator's page scrolls sideways on a phone ({width}px)"
