"""The report as a document: JSON, HTML with SVG charts, and a PDF of the same HTML
(WeasyPrint, with a font that shows Chinese). Words come from the catalogue of ``lang``."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from byline import words

_TEMPLATES = Path(__file__).parent / "report_templates"
COLOURS = ("#1f5fbf", "#1c7c43", "#b3261e", "#fca311", "#5b6475", "#14213d", "#7b2cbf")
CASE_COLUMNS = (
    "notices_sent",
    "disclosed",
    "overdue",
    "refused",
    "released",
    "withdrawn",
    "volunteered",
)


class PdfUnavailable(OSError):
    """WeasyPrint (the ``report`` extra) or its system libraries are not installed."""


@functools.cache
def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = lambda n: "–" if n is None else f"{n:,}"
    return env


def _text_width(text: str) -> int:
    """About how wide ``text`` is at 12px: a CJK character twice a Latin one."""
    return sum(12 if ord(ch) > 0x2E7F else 7 for ch in text)


def hbar_chart(chart_id: str, title: str, bars: Sequence[tuple[str, int]]) -> Markup:
    """Horizontal bars, one per (label, value), the value at each bar's end; a <title> and
    <desc> for screen readers; no script and no style attribute."""
    row_h, pad = 22, 8
    label_w = min(340, max(120, 12 + max((_text_width(label) for label, _ in bars), default=0)))
    width = label_w + 380
    height = pad * 2 + row_h * max(1, len(bars)) + 18
    top = max((v for _, v in bars), default=0) or 1
    plot_w = width - label_w - 60
    desc = "; ".join(f"{label}: {value:,}" for label, value in bars)
    parts = [
        Markup(
            '<svg class="report-chart" xmlns="http://www.w3.org/2000/svg" width="{w}" '
            'height="{h}" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{c}-t {c}-d" '
            'data-testid="{c}">'
        ).format(w=width, h=height, c=chart_id),
        Markup('<title id="{}-t">{}</title><desc id="{}-d">{}</desc>').format(
            chart_id, title, chart_id, desc
        ),
        Markup(
            '<text x="{}" y="14" font-size="13" font-weight="bold" fill="#1d2330">{}</text>'
        ).format(pad, title),
    ]
    for i, (label, value) in enumerate(bars):
        y = 18 + pad + i * row_h
        w = round(plot_w * max(0, value) / top, 1)
        parts.append(
            Markup(
                '<g><text x="{lx}" y="{ty}" font-size="12" text-anchor="end" fill="#1d2330">'
                '{label}</text><rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{c}"/>'
                '<text x="{vx}" y="{ty}" font-size="12" fill="#1d2330">{v}</text></g>'
            ).format(
                lx=label_w - 6,
                ty=y + row_h - 8,
                label=escape(label),
                x=label_w,
                y=y + 3,
                w=w,
                h=row_h - 6,
                c=COLOURS[i % len(COLOURS)],
                vx=round(label_w + w + 5, 1),
                v=f"{value:,}",
            )
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def _context(report: dict[str, Any], lang: str, quoted: words.Quoted | None) -> dict[str, Any]:
    words.check(lang)

    def t(key: str, **values: object) -> str:
        return words.say(lang, "report", key, **values)

    totals = report["totals"]
    cases_chart = hbar_chart(
        "report-cases",
        t("chart_cases"),
        [(t(k), int(totals[k])) for k in CASE_COLUMNS]
        + [(t("appeals_made"), int(totals["appeals"]["made"]))],
    )
    restrictions_chart = None
    if report["restrictions"]:
        bars = []
        for r in report["restrictions"]:
            name = words.word(lang, "restriction", r["restriction"])
            bars.append((f"{name} · {t('applied')}", int(r["applied"])))
            bars.append((f"{name} · {t('lifted')}", int(r["lifted"])))
        restrictions_chart = hbar_chart("report-restrictions", t("chart_restrictions"), bars)
    floor = " · ".join(
        f"{words.word(lang, 'metric', m)} ≥ {v:,}"
        for m, v in report["threshold_promise"]["floor"].items()
    )
    return {
        "r": report,
        "t": t,
        "lang": lang,
        "word": lambda section, value: words.word(lang, section, value),
        "columns": CASE_COLUMNS,
        "cases_chart": cases_chart,
        "restrictions_chart": restrictions_chart,
        "floor": floor,
        "title": quoted.title() if quoted else report["policy"]["title"],
        "tier_label": lambda row: (
            (quoted.label(row["tier"], row["label"]) if quoted else row["label"])
            if row["tier"] and row["label"]
            else row["tier"] or t("no_tier")
        ),
    }


def render_fragment(
    report: dict[str, Any], lang: str, quoted: words.Quoted | None = None
) -> Markup:
    """The report's body (no <html>, no style): what the console shows inside its own page."""
    context = _context(report, lang, quoted)
    return Markup(_env().get_template("report_body.html").render(**context))


def render_html(report: dict[str, Any], lang: str, quoted: words.Quoted | None = None) -> str:
    """The report as a standalone HTML document (its style inside it)."""
    context = _context(report, lang, quoted)
    body = _env().get_template("report_body.html").render(**context)
    return _env().get_template("report.html").render(body=Markup(body), **context)


def render_pdf(report: dict[str, Any], lang: str, quoted: words.Quoted | None = None) -> bytes:
    """The same document as PDF (WeasyPrint, the ``report`` extra)."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: pango missing
        raise PdfUnavailable(
            "a PDF needs WeasyPrint and pango: pip install 'byline[report]' and "
            "apt-get install libpango-1.0-0 libpangoft2-1.0-0"
        ) from exc
    pdf: bytes = HTML(string=render_html(report, lang, quoted)).write_pdf()
    return pdf


def render(
    report: dict[str, Any], fmt: str, lang: str, quoted: words.Quoted | None = None
) -> bytes:
    if fmt == "json":
        return (json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
    if fmt == "html":
        return render_html(report, lang, quoted).encode()
    if fmt == "pdf":
        return render_pdf(report, lang, quoted)
    raise ValueError(f"a report format is one of: json, html, pdf (not {fmt!r})")
