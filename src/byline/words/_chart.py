"""Charts people read: a line chart (or grouped bars) as standalone SVG, with a title, both axes
titled with their units, ticks, a legend, in the reader's language.

No script and no ``style`` attribute (the console's CSP forbids both): presentation attributes
only, so the same text is an inline chart on a page, an ``.svg`` file, and (rendered by cairo)
a ``.png``. A ``<title>`` and ``<desc>`` say the chart to screen readers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 760, 420
_LEFT, _RIGHT, _TOP, _BOTTOM = 78, 180, 48, 64
COLOURS = ("#1f5fbf", "#e07b00", "#1c7c43", "#b3261e", "#6a3fa0", "#0b7285", "#5b6475", "#a0522d")
INK, MUTED, GRID = "#1d2330", "#5b6475", "#dde1e8"
# Chinese first where the page is Chinese: cairo takes the first family it has, whole.
FONTS = {
    "en": "'DejaVu Sans', 'Noto Sans', Arial, 'WenQuanYi Zen Hei', sans-serif",
    "zh-CN": "'WenQuanYi Zen Hei', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif",
}


@dataclass(frozen=True)
class Series:
    """One line (or one bar of each group): its name and a value per x, None where it has none."""

    name: str
    values: Sequence[float | None]
    dashed: bool = False


def compact(lang: str, n: float) -> str:
    """A tick's number, short: 1.5M, 500k, 0 in English; 150万, 1亿 in Chinese."""
    sign, n = ("-" if n < 0 else ""), abs(n)
    if lang == "zh-CN":
        for size, unit in ((100_000_000, "亿"), (10_000, "万")):
            if n >= size:
                return f"{sign}{_trim(n / size)}{unit}"
        return f"{sign}{_trim(n)}"
    for size, unit in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
        if n >= size:
            return f"{sign}{_trim(n / size)}{unit}"
    return f"{sign}{_trim(n)}"


def _trim(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Ticks from 0 to at least ``top`` in steps of 1, 2 or 5 times a power of ten."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(step, 1.0)  # counts: whole numbers on the axis
    ticks = [0.0]
    while ticks[-1] < top:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def chart_svg(
    lang: str,
    title: str,
    x_title: str,
    y_title: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    bars: bool = False,
    chart_id: str = "chart",
    note: str = "",
) -> str:
    """The chart as an ``<svg>`` element: x categories in order (evenly spaced), one line per
    series (or, with ``bars``, one bar per series in each category); the y axis from 0."""
    font = FONTS.get(lang, FONTS["en"])
    top = max((v for s in series for v in s.values if v is not None), default=0)
    ticks = nice_ticks(top)
    y_max = ticks[-1] or 1
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM
    base = _TOP + plot_h
    n = max(1, len(x_labels))
    slot = plot_w / n

    def x_at(i: int) -> float:
        return round(_LEFT + slot * (i + 0.5), 1)

    def y_at(v: float) -> float:
        return round(base - plot_h * v / y_max, 1)

    desc = "; ".join(
        f"{s.name}: "
        + ", ".join(
            f"{x} {'—' if v is None else f'{v:,.0f}'}"
            for x, v in zip(x_labels, s.values, strict=False)
        )
        for s in series
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" font-family="{escape(font)}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" data-testid="{chart_id}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<text x="{_LEFT}" y="26" font-size="17" font-weight="bold" fill="{INK}">'
        f"{escape(title)}</text>",
    ]
    if note:
        out.append(f'<text x="{_LEFT}" y="42" font-size="11" fill="{MUTED}">{escape(note)}</text>')
    for t in ticks:  # horizontal grid and the y axis' numbers
        y = y_at(t)
        out.append(
            f'<line x1="{_LEFT}" y1="{y}" x2="{_LEFT + plot_w}" y2="{y}" stroke="{GRID}"/>'
            f'<text x="{_LEFT - 8}" y="{y + 4}" font-size="12" text-anchor="end" '
            f'fill="{MUTED}">{escape(compact(lang, t))}</text>'
        )
    out.append(
        f'<line x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{base}" stroke="{INK}"/>'
        f'<line x1="{_LEFT}" y1="{base}" x2="{_LEFT + plot_w}" y2="{base}" stroke="{INK}"/>'
    )
    every = max(1, math.ceil(n / 10))  # at most about ten labels under the x axis
    for i, label in enumerate(x_labels):
        x = x_at(i)
        out.append(f'<line x1="{x}" y1="{base}" x2="{x}" y2="{base + 5}" stroke="{INK}"/>')
        if (n - 1 - i) % every == 0:  # the last value always named
            out.append(
                f'<text x="{x}" y="{base + 19}" font-size="12" text-anchor="middle" '
                f'fill="{MUTED}">{escape(label)}</text>'
            )
    out.append(  # axis titles, with their units
        f'<text x="{_LEFT + plot_w / 2}" y="{HEIGHT - 14}" font-size="13" text-anchor="middle" '
        f'fill="{INK}">{escape(x_title)}</text>'
        f'<text x="18" y="{_TOP + plot_h / 2}" font-size="13" text-anchor="middle" fill="{INK}" '
        f'transform="rotate(-90 18 {_TOP + plot_h / 2})">{escape(y_title)}</text>'
    )
    width = slot * 0.8 / max(1, len(series))
    for k, s in enumerate(series):
        colour = COLOURS[k % len(COLOURS)]
        if bars:
            for i, v in enumerate(s.values):
                if v is None:
                    continue
                x = round(_LEFT + slot * i + slot * 0.1 + width * k, 1)
                out.append(
                    f'<rect x="{x}" y="{y_at(v)}" width="{round(width, 1)}" '
                    f'height="{round(base - y_at(v), 1)}" fill="{colour}">'
                    f"<title>{escape(s.name)}, {escape(x_labels[i])}: {v:,.0f}</title></rect>"
                )
            continue
        points = [(x_at(i), y_at(v), v, i) for i, v in enumerate(s.values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x},{y}" for x, y, _, _ in points)
            dash = ' stroke-dasharray="6 4"' if s.dashed else ""
            out.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"'
                f"{dash}/>"
            )
        for x, y, v, i in points:
            out.append(
                f'<circle cx="{x}" cy="{y}" r="3.5" fill="{colour}">'
                f"<title>{escape(s.name)}, {escape(x_labels[i])}: {v:,.0f}</title></circle>"
            )
    for k, s in enumerate(series):  # the legend, right of the plot
        y = _TOP + 8 + 22 * k
        colour = COLOURS[k % len(COLOURS)]
        x0 = _LEFT + plot_w + 16
        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        out.append(
            f'<line x1="{x0}" y1="{y}" x2="{x0 + 22}" y2="{y}" stroke="{colour}" '
            f'stroke-width="{8 if bars else 3}"{dash}/>'
            f'<text x="{x0 + 28}" y="{y + 4}" font-size="12" fill="{INK}">'
            f"{escape(s.name)}</text>"
        )
    out.append("</svg>")
    return "".join(out)


def chart_png(svg: str, scale: float = 2.0) -> bytes:
    """The chart rendered to PNG by cairo (``cairosvg``), ``scale`` times its size."""
    import cairosvg  # type: ignore[import-untyped]  # imported when a PNG is asked for: it loads the cairo library

    data = cairosvg.svg2png(bytestring=svg.encode("utf-8"), scale=scale)
    assert isinstance(data, bytes)
    return data
