"""The compliance lead's dashboard: accounts required per tier and phase, the funnel, deadlines
coming due, restrictions in force, flagged drops, owners flagged by the latest cycle, keys and
viewers flagged for harvesting names, cycle by cycle charts, the policy in words and
the latest shadow run against it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from byline import words
from byline.console._admin import latest_shadow
from byline.console._charts import bar_chart
from byline.console._web import PREFIX, Viewer, page, render
from byline.domain.cases import CaseState
from byline.service import HarvestSignals, Role, errors

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
    charts = [
        {
            "cycle": cycle,
            "svg": bar_chart(
                f"chart-{cycle.cycle_id[:12]}",
                t("dashboard.chart_title", as_of=t.date(cycle.as_of), policy=cycle.policy),
                [(t(f"dashboard.measure.{k}"), v) for k, v in cycle.chart_values().items()],
                t.number,
            ),
        }
        for cycle in reversed(data.cycles)
    ]
    return render(
        viewer,
        "dashboard.html",
        data=data,
        funnel=[(s.value, counts[s]) for s in FUNNEL],
        aside=[(s.value, counts[s]) for s in ASIDE],
        charts=charts,
        sections=words.explain(data.policy, t.lang) if data.policy else (),
        describe_threshold=lambda threshold: words.describe_threshold(threshold, t.lang),
        quoted=words.Quoted.of(data.policy, t.lang) if data.policy else None,
        tier_labels={tier.tier_id: tier.label for tier in data.tiers},
        today=now.date(),
        now=now,
        shadow=latest_shadow(viewer, platform),
        harvest=_harvest(viewer, platform),
        can_admin=viewer.principal is not None and viewer.principal.role is Role.ADMIN,
    )
