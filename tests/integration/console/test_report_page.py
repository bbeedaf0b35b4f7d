"""The compliance lead's report page: one click from the dashboard, a period chooser, the report
in both languages, and its downloads (JSON that validates against the shipped schema, the same
HTML, a PDF whose text holds every section)."""

from __future__ import annotations

import io
import json
import re

import jsonschema_rs
import pypdf

from byline.service.access import Role
from byline.service.reports import SCHEMA_FILE as SCHEMA
from integration.console.conftest import NOW, Console

REPORT = "/console/weibo/report"
SECTIONS_EN = (
    "Cases by tier and phase",
    "Restrictions and statements of reasons",
    "Label lookups",
    "Staff reads of names and notes",
    "Erasures",
    "The threshold promise",
)
SECTIONS_ZH = ("按档位与阶段统计的案件", "限制措施与理由说明", "标识查询", "门槛承诺")


def _period() -> str:
    return f"from={NOW.date().replace(day=1).isoformat()}&to={NOW.date().isoformat()}"


def test_the_report_is_one_click_from_the_dashboard(console: Console) -> None:
    lead = console.staff(Role.PLATFORM)
    dashboard = lead.get("/console/weibo/dashboard").text
    assert f'href="{REPORT}" data-testid="open-report"' in dashboard
    page = lead.get(REPORT)
    assert page.status_code == 200
    for section in SECTIONS_EN:
        assert section in page.text, section
    assert 'data-testid="report-cases"' in page.text and "<svg" in page.text
    for fmt in ("json", "html", "pdf"):
        assert f'data-testid="download-{fmt}"' in page.text
    lead.cookies.set("byline_lang", "zh-CN", path="/console")
    chinese = lead.get(REPORT).text
    for section in SECTIONS_ZH:
        assert section in chinese, section


def test_the_downloads_are_the_same_report(console: Console) -> None:
    lead = console.staff(Role.PLATFORM)
    query = f"{REPORT}/download?{_period()}"
    data = lead.get(query + "&format=json")
    assert data.status_code == 200 and data.headers["content-type"] == "application/json"
    assert "attachment" in data.headers["content-disposition"]
    report = data.json()
    jsonschema_rs.validator_for(json.loads(SCHEMA.read_text())).validate(report)
    assert report["platform"] == "weibo" and report["period"]["to"] == NOW.date().isoformat()
    page = lead.get(query + "&format=html")
    assert page.text.startswith("<!doctype html>") and "Cases by tier and phase" in page.text
    pdf = lead.get(query + "&format=pdf")
    assert pdf.content.startswith(b"%PDF") and pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    for section in SECTIONS_EN:
        assert section in text, section
    lead.cookies.set("byline_lang", "zh-CN", path="/console")
    pdf = lead.get(query + "&format=pdf")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    for section in SECTIONS_ZH:
        assert section in text, section


def test_a_bad_period_is_refused_with_the_chooser(console: Console) -> None:
    lead = console.staff(Role.PLATFORM)
    for query in ("from=2024-02-01&to=2024-01-01", "from=yesterday", "format=exe"):
        response = lead.get(f"{REPORT}/download?{query}")
        assert response.status_code == 400, query
        assert 'data-testid="report-bad-period"' in response.text
        assert re.search(r'name="from"', response.text)
