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
    top = max((v for s in series for v in s.values if v is not None), default=0)
    plot = _Plot(lang, list(x_labels), nice_ticks(top))
    desc = "; ".join(
        f"{s.name}: "
        + ", ".join(
            f"{x} {'—' if v is None else _number(v)}"
            for x, v in zip(x_labels, s.values, strict=False)
        )
        for s in series
    )
    font = FONTS.get(lang, FONTS["en"])
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
    out += plot.axes(x_title, y_title)
    for k, s in enumerate(series):
        out += plot.bars(k, len(series), s) if bars else plot.line(k, s)
    out += plot.legend(series, bars)
    out.append("</svg>")
    return "".join(out)


def _number(v: float) -> str:
    """A value as a reader reads it: 1,234; 4.5 (days); never 4.500."""
    return f"{v:,.1f}".rstrip("0").rstrip(".")


class _Plot:
    """Where things go: the plot's box, an x slot per label, the y scale of the ticks."""

    def __init__(self, lang: str, x_labels: list[str], ticks: list[float]) -> None:
        self.lang, self.x_labels, self.ticks = lang, x_labels, ticks
        self.y_max = ticks[-1] or 1
        self.w, self.h = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM
        self.base = _TOP + self.h
        self.n = max(1, len(x_labels))
        self.slot = self.w / self.n

    def x_at(self, i: int) -> float:
        return round(_LEFT + self.slot * (i + 0.5), 1)

    def y_at(self, v: float) -> float:
        return round(self.base - self.h * v / self.y_max, 1)

    def axes(self, x_title: str, y_title: str) -> list[str]:
        """The grid with the y axis' numbers, both axes, the x labels, the axis titles."""
        out = []
        for t in self.ticks:
            y = self.y_at(t)
            out.append(
                f'<line x1="{_LEFT}" y1="{y}" x2="{_LEFT + self.w}" y2="{y}" stroke="{GRID}"/>'
                f'<text x="{_LEFT - 8}" y="{y + 4}" font-size="12" text-anchor="end" '
                f'fill="{MUTED}">{escape(compact(self.lang, t))}</text>'
            )
        base, right = self.base, _LEFT + self.w
        out.append(
            f'<line x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{base}" stroke="{INK}"/>'
            f'<line x1="{_LEFT}" y1="{base}" x2="{right}" y2="{base}" stroke="{INK}"/>'
        )
        every = max(1, math.ceil(self.n / 10))  # at most about ten labels under the x axis
        for i, label in enumerate(self.x_labels):
            x = self.x_at(i)
            out.append(f'<line x1="{x}" y1="{base}" x2="{x}" y2="{base + 5}" stroke="{INK}"/>')
            if (self.n - 1 - i) % every == 0:  # the last value always named
                out.append(
                    f'<text x="{x}" y="{base + 19}" font-size="12" text-anchor="middle" '
                    f'fill="{MUTED}">{escape(label)}</text>'
                )
        middle = _TOP + self.h / 2
        out.append(  # axis titles, with their units
            f'<text x="{_LEFT + self.w / 2}" y="{HEIGHT - 14}" font-size="13" '
            f'text-anchor="middle" fill="{INK}">{escape(x_title)}</text>'
            f'<text x="18" y="{middle}" font-size="13" text-anchor="middle" fill="{INK}" '
            f'transform="rotate(-90 18 {middle})">{escape(y_title)}</text>'
        )
        return out

    def _tip(self, s: Series, i: int, v: float) -> str:
        return f"<title>{escape(s.name)}, {escape(self.x_labels[i])}: {_number(v)}</title>"

    def bars(self, k: int, count: int, s: Series) -> list[str]:
        width = self.slot * 0.8 / max(1, count)
        colour = COLOURS[k % len(COLOURS)]
        out = []
        for i, v in enumerate(s.values):
            if v is None:
                continue
            x = round(_LEFT + self.slot * i + self.slot * 0.1 + width * k, 1)
            y = self.y_at(v)
            out.append(
                f'<rect x="{x}" y="{y}" width="{round(width, 1)}" '
                f'height="{round(self.base - y, 1)}" fill="{colour}">{self._tip(s, i, v)}</rect>'
            )
        return out

    def line(self, k: int, s: Series) -> list[str]:
        colour = COLOURS[k % len(COLOURS)]
        points = [
            (self.x_at(i), self.y_at(v), v, i) for i, v in enumerate(s.values) if v is not None
        ]
        out = []
        if len(points) > 1:
            path = " ".join(f"{x},{y}" for x, y, _, _ in points)
            dash = ' stroke-dasharray="6 4"' if s.dashed else ""
            out.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"'
                f"{dash}/>"
            )
        for x, y, v, i in points:
            out.append(
                f'<circle cx="{x}" cy="{y}" r="3.5" fill="{colour}">{self._tip(s, i, v)}</circle>'
            )
        return out

    def legend(self, series: Sequence[Series], bars: bool) -> list[str]:
        out = []
        x0 = _LEFT + self.w + 16
        for k, s in enumerate(series):
            y = _TOP + 8 + 22 * k
            dash = ' stroke-dasharray="6 4"' if s.dashed else ""
            out.append(
                f'<line x1="{x0}" y1="{y}" x2="{x0 + 22}" y2="{y}" '
                f'stroke="{COLOURS[k % len(COLOURS)]}" stroke-width="{8 if bars else 3}"{dash}/>'
                f'<text x="{x0 + 28}" y="{y + 4}" font-size="12" fill="{INK}">'
                f"{escape(s.name)}</text>"
            )
        return out


def chart_png(svg: str, scale: float = 2.0) -> bytes:
    """The chart rendered to PNG by cairo (``cairosvg``), ``scale`` times its size."""
    import cairosvg  # type: ignore[import-untyped]  # imported when a PNG is asked for: it loads the cairo library

    data = cairosvg.svg2png(bytestring=svg.encode("utf-8"), scale=scale)
    assert isinstance(data, bytes)
    return data
