"""Small inline SVG charts: no script, no style attribute (the CSP forbids both), a <title>
and <desc> for screen readers; every chart is shown beside a table of the same numbers."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 360, 200
_TOP, _BOTTOM, _SIDE = 22, 34, 12
COLOURS = ("#1f5fbf", "#fca311", "#1c7c43", "#b3261e", "#5b6475", "#14213d")


def bar_chart(
    chart_id: str,
    title: str,
    bars: Sequence[tuple[str, int]],
    number: Callable[[int], str],
    desc: str = "",
) -> Markup:
    """Vertical bars, one per (label, value), each with its value above and label below."""
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    if not desc:
        desc = "; ".join(f"{label}: {number(value)}" for label, value in bars)
    parts = [
        Markup(
            '<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" '
            'role="img" aria-labelledby="{tid} {did}" data-testid="{cid}">'
        ).format(w=WIDTH, h=HEIGHT, tid=title_id, did=desc_id, cid=chart_id),
        Markup('<title id="{}">{}</title>').format(title_id, title),
        Markup('<desc id="{}">{}</desc>').format(desc_id, desc),
    ]
    plot_h = HEIGHT - _TOP - _BOTTOM
    base = HEIGHT - _BOTTOM
    slot = (WIDTH - 2 * _SIDE) / max(1, len(bars))
    bar_w = slot * 0.6
    top = max((value for _, value in bars), default=0) or 1
    parts.append(
        Markup('<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#dde1e8"/>').format(
            _SIDE, base, WIDTH - _SIDE, base
        )
    )
    for i, (label, value) in enumerate(bars):
        h = round(plot_h * max(0, value) / top, 1)
        x = round(_SIDE + i * slot + (slot - bar_w) / 2, 1)
        mid = round(_SIDE + i * slot + slot / 2, 1)
        colour = COLOURS[i % len(COLOURS)]
        parts.append(
            Markup(
                '<g><rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{c}">'
                "<title>{label}: {n}</title></rect>"
                '<text x="{mid}" y="{ty}" text-anchor="middle" font-size="12" fill="#1d2330">'
                "{n}</text>"
                '<text x="{mid}" y="{ly}" text-anchor="middle" font-size="11" fill="#5b6475">'
                "{label}</text></g>"
            ).format(
                x=x,
                y=round(base - h, 1),
                w=round(bar_w, 1),
                h=h,
                c=colour,
                label=escape(label),
                n=number(value),
                mid=mid,
                ty=round(base - h - 5, 1),
                ly=base + 16,
            )
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
