"""The compliance lead's report in headless Chromium, in both languages: one click from the
dashboard, a period chosen, the sections and charts shown, the PDF downloaded; and the
creator's statement of reasons on their page. Screenshots under test-artifacts/e2e/."""

from __future__ import annotations

import io

import pypdf

from byline.service.programme import Actor
from e2e.conftest import Site, Visit
from integration.api.conftest import NOW

SECTIONS = {
    "en": (
        "Cases by tier and phase",
        "Restrictions and statements of reasons",
        "Label lookups",
        "The threshold promise",
    ),
    "zh-CN": ("按档位与阶段统计的案件", "限制措施与理由说明", "标识查询", "门槛承诺"),
}


def test_the_report_in_both_languages(site: Site, visit: Visit) -> None:
    site.programme.refuse("weibo", "quiet", actor=Actor("creator"))
    visit.sign_in("weibo-platform")
    visit.goto("/console/weibo/dashboard", "dashboard")
    visit.click("open-report", "report-default-period")
    page = visit.page
    page.fill("[data-testid=report-from]", "2023-10-01")  # type: ignore[attr-defined]
    page.fill("[data-testid=report-to]", NOW.date().isoformat())  # type: ignore[attr-defined]
    visit.click("report-show", "report-en")
    body = page.inner_text("body")  # type: ignore[attr-defined]
    for section in SECTIONS["en"]:
        assert section in body, section
    assert page.locator("svg.report-chart").count() == 2  # type: ignore[attr-defined]
    assert "Statements of reasons issued: 1" in body
    with page.expect_download() as download:  # type: ignore[attr-defined]
        page.get_by_test_id("download-pdf").click()  # type: ignore[attr-defined]
    pdf = pypdf.PdfReader(io.BytesIO(download.value.path().read_bytes()))
    text = "".join(p.extract_text() for p in pdf.pages)
    for section in SECTIONS["en"]:
        assert section in text, section

    visit.click("lang-zh-CN", "report-zh-CN")
    body = page.inner_text("body")  # type: ignore[attr-defined]
    for section in SECTIONS["zh-CN"]:
        assert section in body, section
    assert "已出具理由说明:1 份" in body
    with page.expect_download() as download:  # type: ignore[attr-defined]
        page.get_by_test_id("download-pdf").click()  # type: ignore[attr-defined]
    pdf = pypdf.PdfReader(io.BytesIO(download.value.path().read_bytes()))
    text = "".join(p.extract_text() for p in pdf.pages)
    for section in SECTIONS["zh-CN"]:
        assert section in text, section


def test_the_creator_sees_the_statement_of_reasons(site: Site, visit: Visit) -> None:
    visit.goto(site.creator_link("quiet"), "my-obligation")
    assert visit.count("statement") == 0 and visit.count("no-statements") == 1
    visit.click("refuse", "refuse-consequences")
    visit.click("confirm-refuse", "refused-with-statement")
    assert visit.count("statement") == 1
    statement = visit.text("statement")
    assert "How to appeal" in statement and "Ground: the policy weibo" in statement
    visit.click("lang-zh-CN", "refused-with-statement-zh-CN")
    assert "如何申诉" in visit.text("statement")
