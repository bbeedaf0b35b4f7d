"""The compliance lead's dashboard: accounts required per tier and phase, the funnel, deadlines
coming due, restrictions in force, flagged drops, owners flagged by the latest cycle, keys and
viewers flagged for harvesting names, trends over the cycles (each chart with its numbers as a
table and a CSV), the policy in words and the latest shadow run against it."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from byline import words
from byline.console._admin import latest_shadow
from byline.console._i18n import Translator
from byline.console._web import PREFIX, SECURITY_HEADERS, Viewer, page, render
from byline.domain.cases import CaseState
from byline.service import HarvestSignals, Role, Trends, errors

router = APIRouter(include_in_schema=False)
Lead = Annotated[Viewer, Depends(page(Role.ADMIN, Role.PLATFORM))]

# The funnel in the order a case moves through it; the side states after it.
FUNNEL = (
    CaseState.NOTIFIED,
    CaseState.SUBMITTED,
    CaseState.VERIFIED,
    CaseState.DISCLOSED,
    CaseState.OVERDUE,
    CaseState.REFUSED,
    CaseState.APPEALED,
    CaseState.RELEASED,
)
ASIDE = tuple(s for s in CaseState if s not in FUNNEL)


def _harvest(viewer: Viewer, platform: str) -> HarvestSignals | None:
    """The keys and viewers over the harvesting threshold (None: no policy in force)."""
    try:
        return viewer.services.displays.harvest_signals(platform)
    except errors.NotFoundError:
        return None


@router.get(PREFIX + "/{platform}/dashboard")
def dashboard(platform: str, viewer: Lead) -> HTMLResponse:
    t = viewer.t
    now = viewer.now()
    data = viewer.services.dashboard.overview(platform)
    counts = viewer.services.cases.funnel(platform)
    quoted = words.Quoted.of(data.policy, t.lang) if data.policy else None
    tier_names = {tier.tier_id: tier.label for tier in data.tiers}
    trends = viewer.services.dashboard.trends(platform)
    return render(
        viewer,
        "dashboard.html",
        data=data,
        funnel=[(s.value, counts[s]) for s in FUNNEL],
        aside=[(s.value, counts[s]) for s in ASIDE],
        trends=trend_charts(t, trends, lambda tier: _tier_name(quoted, tier_names, tier)),
        sections=words.explain(data.policy, t.lang) if data.policy else (),
        describe_threshold=lambda threshold: words.describe_threshold(threshold, t.lang),
        quoted=quoted,
        tier_labels=tier_names,
        today=now.date(),
        now=now,
        shadow=latest_shadow(viewer, platform),
        harvest=_harvest(viewer, platform),
        can_admin=viewer.principal is not None and viewer.principal.role is Role.ADMIN,
    )


# The trends, in the order they are shown; "comply" draws its days, its table also counts.
TRENDS = ("funnel", "tiers", "comply", "restrictions")
DRAWN = {"comply": ("median", "p90")}


def _tier_name(quoted: words.Quoted | None, names: dict[str, str], tier: str) -> str:
    label = names.get(tier, tier)
    return quoted.label(tier, label) if quoted else label


def trend_charts(t: Translator, trends: Trends, tier_name: Any) -> list[dict[str, Any]]:
    """Each trend as a chart in the page's language and the table of its numbers."""
    if not trends.cycle_ids:
        return []
    x_labels = [_short_date(t, day) for day in trends.as_of]
    out = []
    for key in TRENDS:
        trend = trends.trends[key]

        def name(series: str, key: str = key) -> str:
            if key == "funnel":
                return words.word(t.lang, "case_state", series)
            if key == "tiers":
                return str(tier_name(series))
            return t(f"dashboard.trend.{key}.{series}")

        drawn = DRAWN.get(key, tuple(trend.series))
        series = [words.Series(name(s), trend.series[s]) for s in drawn]
        svg = words.chart_svg(
            t.lang,
            t(f"dashboard.trend.{key}.title"),
            t("dashboard.trend.x_axis"),
            t(f"dashboard.trend.{key}.axis"),
            x_labels,
            series,
            chart_id=f"trend-{key}-chart",
        )
        columns = [(s, name(s)) for s in trend.series]
        out.append({"key": key, "svg": svg, "columns": columns, "rows": trends.rows(key)})
    return out


def _short_date(t: Translator, day: Any) -> str:
    """A cycle's date under the x axis: 16 Oct; 10月16日."""
    if t.lang == "zh-CN":
        return f"{day.month}月{day.day}日"
    return f"{day.day} {t.date(day).split()[1]}"


@router.get(PREFIX + "/{platform}/dashboard/trends.csv")
def trend_csv(platform: str, viewer: Lead, chart: str = "funnel") -> Response:
    """One trend's numbers as CSV: a row per cycle, a column per series."""
    if chart not in TRENDS:
        return Response("chart: one of " + ", ".join(TRENDS) + "\n", status_code=404)
    rows = viewer.services.dashboard.trends(platform).rows(chart)
    buffer = io.StringIO()
    columns = list(rows[0]) if rows else ["as_of", "cycle"]
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    headers = {
        **SECURITY_HEADERS,
        "Content-Disposition": f'attachment; filename="{platform}-{chart}.csv"',
    }
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)
